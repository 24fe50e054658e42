// Package configcmd is `a0meta config`: view settings, list and write profiles.
package configcmd

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// NewCmdConfig returns `a0meta config`.
func NewCmdConfig(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show and change configuration and profiles",
		Example: `  a0meta config profiles
  a0meta config view
  a0meta --profile sandbox config view`,
	}
	cmd.AddCommand(newCmdView(f), newCmdProfiles(f), NewCmdSetProfile(f, nil))
	return cmdutil.Group(cmd)
}

func newCmdView(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "view",
		Short: "Show the effective settings and where each one came from",
		Long: `Show the settings a command would use — profile, config file, domain,
client_id, audience — and the source of each (flag, environment variable,
profile, default). Secrets and tokens are never printed.`,
		Example: `  a0meta config view
  a0meta --profile prod config view
  A0META_DOMAIN=dev.example.com a0meta config view`,
		Args: cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := f.Settings()
			if err != nil && s == nil {
				return err
			}
			// With nothing configured, show what was looked at, and why
			// other commands would stop.
			s.Describe(f.IO.Out, true)
			if err != nil {
				cmdutil.Warn(f.IO.ErrOut, err.Error())
			}
			return nil
		},
	}
}

func newCmdProfiles(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "profiles",
		Short:   "List the profiles of the config file",
		Example: `  a0meta config profiles`,
		Args:    cmdutil.ExactArgs(0, ""),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := configPath(f)
			if err != nil {
				return err
			}
			file, err := config.LoadFile(path)
			if err != nil {
				return err
			}
			for _, w := range file.Warnings {
				cmdutil.Warn(f.IO.ErrOut, w)
			}
			out := f.IO.Out
			for _, name := range file.ProfileNames() {
				mark := " "
				if strings.EqualFold(name, file.DefaultProfile) {
					mark = "*"
				}
				p := file.Profiles[strings.ToLower(name)]
				fmt.Fprintln(out, strings.TrimRight(fmt.Sprintf("%s %-16s %s", mark, name, p.Domain), " "))
			}
			fmt.Fprintf(out, "  %-16s %s (built in, local)\n", "sandbox", config.SandboxDomain)
			if !file.Exists {
				fmt.Fprintf(f.IO.ErrOut, "No config file at %s; create a profile with: a0meta config set-profile NAME --domain D --client-id I\n", path)
			}
			return nil
		},
	}
}

func configPath(f *cmdutil.Factory) (string, error) {
	if f.Global.Config != "" {
		return f.Global.Config, nil
	}
	return config.ConfigPath(f.Env)
}

// SetProfileOptions are the flags of `config set-profile`.
type SetProfileOptions struct {
	Name        string
	Domain      string
	ClientID    string
	Audience    string
	NoSecret    bool
	MakeDefault bool
	Secret      string `json:"-"`
}

// NewCmdSetProfile returns `config set-profile`; runF replaces the write in tests.
func NewCmdSetProfile(f *cmdutil.Factory, runF func(*SetProfileOptions) error) *cobra.Command {
	opts := &SetProfileOptions{}
	profiles := completion.Profiles(f, false)
	cmd := &cobra.Command{
		Use:   "set-profile NAME [--domain DOMAIN --client-id ID] [--default]",
		Short: "Write a profile to the config file (mode 0600)",
		Long: `Write or replace a profile in the config file, keeping the others.

The client secret is never taken from the command line (it would land in shell
history and process lists): it is read from stdin when stdin is not a
terminal, else asked for without echo. With --no-secret the profile keeps no
secret and A0META_CLIENT_SECRET (or A0META_TOKEN) supplies it at run time.
The file is written with mode 0600.

A profile becomes the default (default_profile, used when neither -p nor
A0META_PROFILE names one) only with --default, the first one included. For
an existing profile, --default (or --audience) alone changes just that,
and no secret is read.`,
		Example: `  a0meta config set-profile prod --domain example.eu.auth0.com --client-id AbC123 --default
  pass show auth0/prod | a0meta config set-profile prod --domain example.eu.auth0.com --client-id AbC123
  a0meta config set-profile ci --domain example.auth0.com --client-id XyZ --no-secret
  a0meta config set-profile prod --default`,
		Args: cmdutil.ExactArgs(1, "NAME"),
		// NAME is a profile to write: offer the existing ones.
		ValidArgsFunction: func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			if len(args) > 0 {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			return profiles(cmd, args, toComplete)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			creds := opts.Domain != "" || opts.ClientID != ""
			switch {
			case creds && (opts.Domain == "" || opts.ClientID == ""):
				return failure.Usagef("set-profile needs --domain and --client-id together (a client id belongs to one tenant)")
			case !creds && !opts.MakeDefault && opts.Audience == "":
				return failure.Usagef("set-profile needs --domain and --client-id, or --default or --audience for an existing profile")
			case !creds && opts.NoSecret:
				return failure.Usagef("--no-secret goes with --domain and --client-id")
			}
			if creds {
				ascii, changed, err := config.ASCIIDomain(opts.Domain)
				if err != nil {
					return err
				}
				if changed {
					cmdutil.Warn(f.IO.ErrOut, config.LookAlikeWarning(opts.Domain, "--domain flag", ascii))
					opts.Domain = ascii
				}
			}
			if creds && !opts.NoSecret {
				secret, err := readSecret(f)
				if err != nil {
					return err
				}
				if secret == "" {
					return failure.Usagef("no client secret given on stdin; pass --no-secret to keep the secret out of the file")
				}
				opts.Secret = secret
			}
			if runF != nil {
				return runF(opts)
			}
			path, err := configPath(f)
			if err != nil {
				return err
			}
			err = config.SetProfile(path, opts.Name, config.Profile{
				Domain: opts.Domain, ClientID: opts.ClientID, ClientSecret: opts.Secret, Audience: opts.Audience,
			}, opts.MakeDefault)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("profile %s", opts.Name)
			if opts.Domain != "" {
				what += " (" + opts.Domain + ")"
			}
			if opts.MakeDefault {
				what += " as the default"
			}
			fmt.Fprintf(f.IO.ErrOut, "Wrote %s to %s\n", what, path)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Domain, "domain", "", "Tenant domain, host or URL")
	fl.StringVar(&opts.ClientID, "client-id", "", "Client ID of the machine-to-machine application")
	fl.StringVar(&opts.Audience, "audience", "", "Management API audience, needed with custom domains")
	fl.BoolVar(&opts.NoSecret, "no-secret", false, "Keep no client secret in the file")
	fl.BoolVar(&opts.MakeDefault, "default", false, "Make this the default profile")
	return cmd
}

// readSecret takes the secret from stdin: a whole pipe, or a line typed
// without echo on a terminal.
func readSecret(f *cmdutil.Factory) (string, error) {
	if f.IO.StdinTTY {
		fmt.Fprint(f.IO.ErrOut, "Client secret: ")
		b, err := term.ReadPassword(int(os.Stdin.Fd()))
		fmt.Fprintln(f.IO.ErrOut)
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(string(b)), nil
	}
	r := bufio.NewReader(io.LimitReader(f.IO.In, 64*1024))
	b, err := io.ReadAll(r)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
