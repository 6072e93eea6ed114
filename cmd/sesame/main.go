// Command sesame is the one binary of the Sesame credit scoring platform:
// the server, the ingestion and model tools, and the operator's CLI.
//
// Each subcommand lives in its own file (cmd_*.go) and registers itself in
// init; this file only dispatches. Commands parse flags, build the pieces
// from the packages of the module and run them: no scoring logic lives here.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// command is one subcommand: `sesame NAME args...`.
type command struct {
	name    string // may contain a space for nested commands, e.g. "model train"
	summary string // one line for `sesame help`
	run     func(ctx context.Context, args []string) error
}

var commands = map[string]*command{}

func register(c *command) {
	if _, dup := commands[c.name]; dup {
		panic("duplicate command " + c.name)
	}
	commands[c.name] = c
}

// errUsage marks an error already explained by printed usage: exit 2, no extra message.
var errUsage = errors.New("usage")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:]))
}

func run(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage()
		return 2
	}
	if args[0] == "help" {
		if len(args) == 1 {
			usage()
			return 0
		}
		// `sesame help model train` == `sesame model train --help`
		cmd, rest := lookup(args[1:])
		if cmd == nil || len(rest) > 0 {
			fmt.Fprintf(os.Stderr, "sesame: unknown command %q; run 'sesame help' for the list\n", strings.Join(args[1:], " "))
			return 2
		}
		args = append(args[1:], "--help")
	}
	cmd, rest := lookup(args)
	if cmd == nil {
		fmt.Fprintf(os.Stderr, "sesame: unknown command %q; run 'sesame help' for the list\n", unknownName(args))
		return 2
	}
	if err := cmd.run(ctx, rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		if errors.Is(err, errUsage) {
			return 2
		}
		fmt.Fprintf(os.Stderr, "sesame %s: %v\n", cmd.name, err)
		return 1
	}
	return 0
}

// lookup finds the longest registered command name that prefixes args.
func lookup(args []string) (*command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

// unknownName is the part of args that names a command that does not exist:
// two words when the first is a command group ("model nosuch"), else one, so
// that a person id after a mistyped command is not blamed.
func unknownName(args []string) string {
	if len(args) >= 2 {
		for n := range commands {
			if strings.HasPrefix(n, args[0]+" ") {
				return args[0] + " " + args[1]
			}
		}
	}
	return args[0]
}

func usage() {
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(os.Stderr, "sesame — personal credit scoring (350–950)\n\nUsage: sesame COMMAND [flags]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(os.Stderr, "  %-18s %s\n", n, commands[n].summary)
	}
	fmt.Fprintln(os.Stderr, "\nRun 'sesame help COMMAND' or 'sesame COMMAND --help' for its flags.")
}

// newFlags returns a FlagSet whose usage names the command and whose errors are returned, not fatal.
func newFlags(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("sesame "+name, flag.ContinueOnError)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sesame %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and maps a bad flag to errUsage (the flag package
// already printed why). Flags may come before, between or after the
// positional arguments (`sesame events p1 --limit 2`), as in the Go and
// Kubernetes CLIs; after "--" everything is positional.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if terminated(args, rest) {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Parsing "--" alone leaves the flags set and makes the collected
	// arguments the FlagSet's positional ones.
	if err := fs.Parse(append([]string{"--"}, positional...)); err != nil {
		return errUsage
	}
	return nil
}

// terminated reports whether fs.Parse(args) stopped at a "--" rather than
// at a positional argument: then rest is everything after the "--".
func terminated(args, rest []string) bool {
	i := len(args) - len(rest) - 1
	return i >= 0 && args[i] == "--"
}

// flagError says what is wrong with a flag or argument, points to the help
// rather than printing all of it, and returns errUsage (exit 2).
func flagError(fs *flag.FlagSet, why string) error {
	fmt.Fprintf(fs.Output(), "%s: %s\nRun 'sesame help %s' for its flags.\n", fs.Name(), why, strings.TrimPrefix(fs.Name(), "sesame "))
	return errUsage
}

// envOr returns the environment variable's value, or def when it is unset or empty.
func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
