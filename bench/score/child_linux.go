package main

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill cmd when the benchmark exits, however
// it exits (log.Fatal skips the deferred stops).
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
