package sqlite

import (
	"os"
	"syscall"
)

// syncData makes f's written data durable. fdatasync skips the inode's
// times, which fsync would also write: one journal commit fewer per call.
func syncData(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
