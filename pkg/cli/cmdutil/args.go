package cmdutil

import (
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/spf13/cobra"
)

// MinimumArgs is cobra.MinimumNArgs with a usage exit code and a message
// that names what is missing.
func MinimumArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return failure.Usagef("missing %s\nUsage: %s", what, cmd.UseLine())
		}
		return nil
	}
}

// ExactArgs is cobra.ExactArgs with a usage exit code.
func ExactArgs(n int, what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < n {
			return failure.Usagef("missing %s\nUsage: %s", what, cmd.UseLine())
		}
		if len(args) > n {
			return failure.Usagef("unexpected argument(s) %s\nUsage: %s", strings.Join(args[n:], " "), cmd.UseLine())
		}
		return nil
	}
}

// OneOf checks a flag value against its allowed values.
func OneOf(flag, value string, allowed ...string) error {
	for _, a := range allowed {
		if value == a {
			return nil
		}
	}
	return failure.Usagef("invalid --%s %q: use one of %s", flag, value, strings.Join(allowed, ", "))
}

// Group makes a command that only holds subcommands refuse unknown ones
// (cobra would print help and exit 0) and print help when run bare.
func Group(cmd *cobra.Command) *cobra.Command {
	cmd.Args = func(c *cobra.Command, args []string) error {
		if len(args) > 0 {
			hint := ""
			if c.SuggestionsMinimumDistance <= 0 {
				c.SuggestionsMinimumDistance = 2
			}
			if s := c.SuggestionsFor(args[0]); len(s) > 0 {
				hint = "\nDid you mean " + strings.Join(s, " or ") + "?"
			}
			return failure.Usagef("unknown command %q for %q%s\nRun '%s --help' for usage.", args[0], c.CommandPath(), hint, c.CommandPath())
		}
		return nil
	}
	cmd.RunE = func(c *cobra.Command, args []string) error { return c.Help() }
	return cmd
}
