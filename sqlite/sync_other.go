//go:build !linux

package sqlite

import "os"

// syncData makes f's written data durable (fsync where there is no
// fdatasync).
func syncData(f *os.File) error { return f.Sync() }
