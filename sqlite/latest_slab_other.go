//go:build !unix

package sqlite

// mapRegion gives no region: slabs come from the Go heap.
func mapRegion(int) []byte { return nil }

func unmapRegion([]byte) {}
