//go:build unix && !linux

package sqlite

import "syscall"

const regionFlags = syscall.MAP_ANON | syscall.MAP_PRIVATE

func regionAdvice([]byte) {}
