// Package root assembles the command tree and turns the outcome of a run
// into output and an exit code, in one place.
package root

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/cli/configcmd"
	"github.com/a0meta/a0meta/pkg/cli/doctor"
	"github.com/a0meta/a0meta/pkg/cli/historycmd"
	"github.com/a0meta/a0meta/pkg/cli/meta"
	"github.com/a0meta/a0meta/pkg/cli/sandboxcmd"
	"github.com/a0meta/a0meta/pkg/cli/undo"
	"github.com/a0meta/a0meta/pkg/cli/version"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/spf13/cobra"
)

// NewCmdRoot builds the whole tree around a factory.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "a0meta",
		Short: "Edit Auth0 metadata by path, without losing the rest",
		Long: `a0meta edits a user's user_metadata and app_metadata and an application's
client_metadata through the Auth0 Management API.

Auth0 merges a metadata PATCH only at the root: each root key sent is replaced
whole. a0meta reads the field, edits the nested value you name, and sends back
only the root keys that changed, so addresses.work never costs you addresses.home.

Try it without an Auth0 account on the built-in sandbox tenant:

  a0meta --profile sandbox user meta get jane.doe@example.com`,
		Example: `  # the seed page's example on the sandbox: add a work address, keeping home
  a0meta --profile sandbox user meta set jane.doe@example.com addresses.work="100 Industrial Way"
  a0meta --profile sandbox user meta get jane.doe@example.com addresses

  # a real tenant: write a profile once (the secret is read from stdin or a
  # prompt), then check which tenant and credentials commands will use
  a0meta config set-profile prod --domain example.eu.auth0.com --client-id AbC123 --default
  a0meta config view`,
		Annotations:       map[string]string{"exit-status": ExitStatus},
		Version:           version.Line(),
		SilenceErrors:     true,
		SilenceUsage:      true,
		DisableAutoGenTag: true,
	}
	g := &f.Global
	pf := cmd.PersistentFlags()
	pf.StringVarP(&g.Profile, "profile", "p", "", "Profile from the config file (or \"sandbox\", the built-in local tenant)")
	pf.StringVar(&g.Config, "config", "", "Config file (default $XDG_CONFIG_HOME/a0meta/config.yaml)")
	pf.StringVar(&g.Domain, "domain", "", "Tenant domain, host or URL (e.g. example.eu.auth0.com)")
	pf.StringVar(&g.ClientID, "client-id", "", "Client ID of the machine-to-machine application")
	pf.StringVar(&g.Audience, "audience", "", "Management API audience (default https://DOMAIN/api/v2/)")
	pf.StringVar(&g.Debug, "debug", "", DebugHelp)
	pf.Lookup("debug").NoOptDefVal = "on"
	pf.DurationVar(&g.Timeout, "timeout", 30*time.Second, "Time limit for each attempt of a request")
	pf.BoolVar(&g.NoHistory, "no-history", false, "Do not record this run's writes in the history (see a0meta history)")
	_ = cmd.RegisterFlagCompletionFunc("profile", completion.Profiles(f, true))
	_ = cmd.RegisterFlagCompletionFunc("debug", completion.Fixed(debugModes...))
	for _, name := range []string{"domain", "client-id", "audience", "timeout"} {
		_ = cmd.RegisterFlagCompletionFunc(name, cobra.NoFileCompletions)
	}
	pf.DurationVar(&g.Deadline, "deadline", cmdutil.DefaultDeadline, "Time limit for all of a command's requests together, retries included")

	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return failure.Usagef("%s\nRun '%s --help' for usage.", err, c.CommandPath())
	})
	cmd.PersistentPreRunE = func(c *cobra.Command, args []string) error {
		if g.Timeout <= 0 {
			return failure.Usagef("invalid --timeout %s: it must be positive", g.Timeout)
		}
		if g.Deadline <= 0 {
			return failure.Usagef("invalid --deadline %s: it must be positive", g.Deadline)
		}
		if err := cmdutil.OneOf("debug", g.Debug, append([]string{""}, completion.Names(debugModes)...)...); err != nil {
			return err
		}
		return f.CheckGuards(c)
	}
	cmd.SetVersionTemplate("{{.Version}}\n")
	cmd.Flags().Bool("version", false, "Print the version, commit and build date")
	cmd.SetHelpTemplate(cmd.HelpTemplate() + `{{with index .Annotations "exit-status"}}
Exit status:
{{.}}{{end}}`)

	cmd.AddCommand(meta.NewCmdUser(f))
	cmd.AddCommand(meta.NewCmdClient(f))
	cmd.AddCommand(configcmd.NewCmdConfig(f))
	cmd.AddCommand(sandboxcmd.NewCmdSandbox(f))
	cmd.AddCommand(version.NewCmdVersion(f))
	cmd.AddCommand(historycmd.NewCmdHistory(f, nil))
	cmd.AddCommand(undo.NewCmdUndo(f, nil))
	cmd.AddCommand(doctor.NewCmdDoctor(f, nil))
	cmdutil.AddYesFlags(cmd)
	completion.Register(cmd, f)
	return cmdutil.Group(cmd)
}

// Main runs a0meta with the process's arguments and streams and returns the
// exit code.
func Main() int {
	// SIGTERM too, so `sandbox serve --data` saves its state when killed,
	// and SIGHUP, so a closed terminal still removes `edit`'s temp file.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()
	return Run(ctx, os.Args[1:], iostreams.System(), os.Getenv)
}

// Run executes one command line and returns its exit code.
func Run(ctx context.Context, args []string, io *iostreams.IOStreams, env config.Env) int {
	f := &cmdutil.Factory{IO: io, Env: env}
	cmd := NewCmdRoot(f)
	cmd.SetArgs(args)
	cmd.SetIn(io.In)
	cmd.SetOut(io.Out)
	cmd.SetErr(io.ErrOut)
	// Every PATCH, whichever command sends it, goes through the history.
	executed, err := cmd.ExecuteContextC(metaops.WithRecorder(ctx, f.Recorder()))
	if cerr := f.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err == nil {
		return 0
	}
	err = classify(ctx, err)
	code := failure.CodeOf(err)
	printError(io, err, code, wantsJSON(executed, args), f.Redact)
	return int(code)
}

// classify types the errors a0meta does not raise itself. Commands, flags
// and arguments are all validated by typed code (Group, the Args
// functions, the flag error func); what cobra may still say on its own
// (e.g. its completion command's arguments) is a usage error too.
func classify(ctx context.Context, err error) error {
	var c failure.Coder
	switch {
	case ctx.Err() != nil || errors.Is(err, context.Canceled):
		// A signal cancelled the run: say so in the user's words, keeping
		// what was being done, never Go's "context canceled".
		msg := strings.ReplaceAll(err.Error(), context.Canceled.Error(), "interrupted")
		if !strings.Contains(msg, "interrupted") {
			msg = "interrupted: " + msg
		}
		return failure.New(failure.Interrupted, "%s", msg)
	case errors.As(err, &c):
		return err
	case strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "accepts "):
		return failure.Wrap(failure.Usage, err, "usage")
	}
	return err
}

// wantsJSON reports whether the run asked for -o json. A flag error stops
// parsing before a later -o json is seen, so the command line is read too.
func wantsJSON(cmd *cobra.Command, args []string) bool {
	if cmd == nil {
		return false
	}
	o := cmd.Flags().Lookup("output")
	if o == nil {
		return false
	}
	if o.Changed {
		return o.Value.String() == "json"
	}
	json := false
	for i, a := range args {
		switch {
		case a == "--":
			return json
		case a == "-o" || a == "--output":
			if i+1 < len(args) {
				json = args[i+1] == "json"
			}
		case strings.HasPrefix(a, "--output="):
			json = a == "--output=json"
		case strings.HasPrefix(a, "-o") && !strings.HasPrefix(a, "--"):
			json = strings.TrimPrefix(strings.TrimPrefix(a, "-o"), "=") == "json"
		}
	}
	return json
}

func printError(io *iostreams.IOStreams, err error, code failure.Code, asJSON bool, redact func(string) string) {
	msg := err.Error()
	var fe *failure.Error
	if errors.As(err, &fe) && fe.Msg == "usage" && fe.Err != nil {
		msg = fe.Err.Error()
	}
	msg = redact(msg)
	if asJSON {
		e := jsonError{ExitCode: int(code), Message: msg}
		var hd failure.HTTPDetail
		if errors.As(err, &hd) && hd.HTTPStatus() != 0 {
			e.Status = hd.HTTPStatus()
			e.ErrorCode = hd.Auth0ErrorCode()
		}
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetEscapeHTML(false)
		_ = enc.Encode(map[string]jsonError{"error": e})
		io.ErrOut.Write(b.Bytes())
		return
	}
	fmt.Fprintf(io.ErrOut, "a0meta: %s\n", cmdutil.Sanitize(msg, true))
}

// debugModes are the values of --debug.
var debugModes = []completion.Choice{
	{Name: "on", Desc: "trace requests on stderr, secrets redacted"},
	{Name: "redact-values", Desc: "trace requests, every value masked too"},
}

// DebugHelp describes --debug; the docs say the same.
const DebugHelp = "Trace HTTP requests on stderr, secrets redacted; --debug=redact-values also masks every value (bodies, queries, user_ids in paths)"

// ExitStatus lists the exit codes, for the root help and the man pages.
const ExitStatus = `  0    success, including a change that needed nothing sent
  1    error: a server error after retries, a 400, an edit conflict
  2    usage: invalid input refused before sending, a declined prompt, ambiguous target, no tenant
  3    not found: user, client, email or requested path
  4    authentication: bad credentials, 401 or 403
  5    rate limited: 429 still returned after the retries
  6    partial: a bulk run in which some targets failed
  130  interrupted (Ctrl-C)
`

// jsonError is the machine-readable error line of -o json, in the
// contract's key order.
type jsonError struct {
	ExitCode  int    `json:"exit_code"`
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"error_code,omitempty"`
	Message   string `json:"message"`
}
