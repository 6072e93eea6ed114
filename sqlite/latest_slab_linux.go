package sqlite

import "syscall"

// regionAdvice asks for transparent huge pages (granted where the system's
// setting is "madvise" or "always"): see slabSet.
func regionAdvice(b []byte) { syscall.Madvise(b, syscall.MADV_HUGEPAGE) }
