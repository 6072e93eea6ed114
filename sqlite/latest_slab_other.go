//go:build !unix

package sqlite

func allocSlab(size int) []byte { return make([]byte, size) }

func freeSlab([]byte) {}
