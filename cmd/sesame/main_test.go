package main

import (
	"fmt"
	"os"
	"testing"
)

// TestMain fails the run when a test leaves a file in the package
// directory: the commands default their database and keys to the working
// directory, and a signing key once landed in the repository that way.
// Every test must use t.TempDir().
func TestMain(m *testing.M) {
	before := dirNames()
	code := m.Run()
	for name := range dirNames() {
		if !before[name] {
			fmt.Fprintf(os.Stderr, "a test left %s in the package directory: write under t.TempDir()\n", name)
			code = 1
		}
	}
	os.Exit(code)
}

func dirNames() map[string]bool {
	entries, err := os.ReadDir(".")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	names := make(map[string]bool, len(entries))
	for _, e := range entries {
		names[e.Name()] = true
	}
	return names
}
