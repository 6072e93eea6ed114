//go:build unix && !linux

package sqlite

func regionAdvice([]byte) {}
