//go:build !linux

package main

import "os/exec"

// dieWithParent: only Linux can tie a child's life to its parent's; here
// the deferred stops are all there is.
func dieWithParent(*exec.Cmd) {}
