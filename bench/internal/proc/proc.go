// Package proc reads what the benchmark harnesses report beside wall-clock
// time: on a shared machine, a process's own CPU time moves much less with
// what else runs than its elapsed time does.
package proc

import (
	"syscall"
	"time"
)

// CPUTime is the user + system CPU time this process has used so far.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
