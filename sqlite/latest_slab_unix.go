//go:build unix

package sqlite

import "syscall"

// mapRegion reserves size bytes of anonymous memory: outside the Go heap,
// so the collector neither scans nor counts it, and committed by the OS
// only as it is written.
func mapRegion(size int) []byte {
	if size == 0 {
		return nil
	}
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, regionFlags)
	if err != nil {
		return nil // no address space: slabs come from the Go heap
	}
	regionAdvice(b)
	return b
}

func unmapRegion(b []byte) {
	if b != nil {
		syscall.Munmap(b)
	}
}
