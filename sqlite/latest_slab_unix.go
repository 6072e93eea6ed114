//go:build unix

package sqlite

import "syscall"

// allocSlab maps size bytes of anonymous memory: outside the Go heap, so
// the collector neither scans nor counts it, and the OS commits pages only
// as they are written.
func allocSlab(size int) []byte {
	b, err := syscall.Mmap(-1, 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		return make([]byte, size) // out of address space: the heap will do
	}
	return b
}

func freeSlab(b []byte) {
	syscall.Munmap(b) // fails only for a slab from make, which the GC frees
}
