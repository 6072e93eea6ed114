package sqlite

import "syscall"

// regionFlags: MAP_NORESERVE, so that a cache's region counts against the
// system's commit limit only as it is written (a server reserves its whole
// --score-cache at start).
const regionFlags = syscall.MAP_ANON | syscall.MAP_PRIVATE | syscall.MAP_NORESERVE

// regionAdvice asks for transparent huge pages (granted where the system's
// setting is "madvise" or "always"): see slabSet.
func regionAdvice(b []byte) { syscall.Madvise(b, syscall.MADV_HUGEPAGE) }
