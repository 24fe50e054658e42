// Package completion is a0meta's shell completion: the `completion` command
// that prints the scripts, and the live candidates the scripts ask for
// through cobra's hidden __complete command: metadata paths read from the
// tenant, client ids, profile names and flag values.
//
// Live completion runs without PersistentPreRunE (cobra skips it for
// __complete), within Budget, using the cached token; it never prompts and
// never writes anything but the candidates: on any error it offers nothing.
package completion

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/iostreams"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/sandbox"
	"github.com/spf13/cobra"
)

// Budget bounds the requests of one live completion: a shell waiting on Tab
// must not hang on a slow tenant.
const Budget = 2 * time.Second

// quiet is what completion returns on any failure: no candidates, and no
// file names either (the shell stays silent).
const quiet = cobra.ShellCompDirectiveNoFileComp

// Register adds the `completion` command (unless the tree has one). Call it
// once the tree is complete. Each command registers the completion of its
// own arguments and flags where it defines them; what is left without one
// is offered no file names, since no a0meta argument is a file.
func Register(root *cobra.Command, f *cmdutil.Factory) {
	if child(root, "completion") == nil {
		root.AddCommand(NewCmdCompletion(f))
	}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		if !c.HasSubCommands() && c.ValidArgsFunction == nil && len(c.ValidArgs) == 0 {
			c.ValidArgsFunction = cobra.NoFileCompletions
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

func child(c *cobra.Command, name string) *cobra.Command {
	if c == nil {
		return nil
	}
	for _, sub := range c.Commands() {
		if sub.Name() == name {
			return sub
		}
	}
	return nil
}

// Choice is one value of a flag that takes a fixed set, with what it means.
type Choice struct{ Name, Desc string }

// Names lists the choices' names in order.
func Names(choices []Choice) []string {
	out := make([]string, len(choices))
	for i, c := range choices {
		out[i] = c.Name
	}
	return out
}

// Fixed completes one of choices.
func Fixed(choices ...Choice) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, c := range choices {
			if strings.HasPrefix(c.Name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(c.Name, c.Desc))
			}
		}
		return out, quiet
	}
}

// live completes from the config file and the tenant.
type live struct {
	f *cmdutil.Factory
}

// kindOf is the field a meta verb works on, --app included.
func kindOf(cmd *cobra.Command, noun string) metaops.Kind {
	if noun == "client" {
		return metaops.ClientMetadata
	}
	if app, err := cmd.Flags().GetBool("app"); err == nil && app {
		return metaops.AppMetadata
	}
	return metaops.UserMetadata
}

// After says what a meta verb takes after its target.
type After int

const (
	TargetOnly After = iota // edit, clear
	PathArgs                // get, unset: paths of the target's metadata
	AssignArgs              // set: PATH= and PATH:=
)

// MetaArgs completes the positional arguments of a meta verb: the target
// first (client ids; users are too many to list), then what after says.
func MetaArgs(f *cmdutil.Factory, client bool, after After) cobra.CompletionFunc {
	l := &live{f: f}
	noun := nounOf(client)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) == 0 {
			if client {
				return l.clients(cmd, toComplete)
			}
			return nil, quiet
		}
		switch after {
		case PathArgs:
			return l.paths(cmd, noun, args, toComplete, pathOpts{skipGiven: true})
		case AssignArgs:
			return l.paths(cmd, noun, args, toComplete, pathOpts{skipGiven: true, assign: true})
		}
		return nil, quiet
	}
}

func nounOf(client bool) string {
	if client {
		return "client"
	}
	return "user"
}

type pathOpts struct {
	skipGiven bool // leave out paths already on the command line
	assign    bool // offer PATH= (and PATH:= once ':' is typed), appends too
}

func (l *live) paths(cmd *cobra.Command, noun string, args []string, toComplete string, o pathOpts) ([]cobra.Completion, cobra.ShellCompDirective) {
	if o.assign && strings.Contains(toComplete, "=") {
		return nil, quiet // a value is being typed
	}
	doc, ok := l.read(cmd, kindOf(cmd, noun), args[0])
	if !ok {
		return nil, quiet
	}
	given := map[string]bool{}
	if o.skipGiven {
		for _, a := range args[1:] {
			p, _, _ := strings.Cut(a, "=")
			given[strings.TrimSuffix(p, ":")] = true
		}
	}
	var out []cobra.Completion
	for _, e := range Paths(doc, o.assign) {
		if given[e.Path] {
			continue
		}
		cand := e.Path
		if o.assign {
			cand += "="
			if strings.HasPrefix(toComplete, e.Path+":") {
				cand = e.Path + ":="
			}
		}
		if strings.HasPrefix(cand, toComplete) {
			out = append(out, cobra.CompletionWithDesc(cand, e.Type))
		}
	}
	if o.assign {
		return out, quiet | cobra.ShellCompDirectiveNoSpace
	}
	return out, quiet
}

// FileAssignment completes --value-file and --json-file: PATH= from the
// target's metadata, then the file after the '='.
func FileAssignment(f *cmdutil.Factory, client bool) cobra.CompletionFunc {
	l := &live{f: f}
	noun := nounOf(client)
	return func(cmd *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		path, file, ok := strings.Cut(toComplete, "=")
		if ok {
			return files(path+"=", file)
		}
		if len(args) == 0 {
			return nil, quiet
		}
		return l.paths(cmd, noun, args, toComplete, pathOpts{assign: true})
	}
}

// files lists the entries of the directory named in partial whose names
// start with its last element, each after prefix; "-" (stdin) too when
// nothing is typed yet.
func files(prefix, partial string) ([]cobra.Completion, cobra.ShellCompDirective) {
	dir, base := filepath.Split(partial)
	read := dir
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil, quiet
	}
	var out []cobra.Completion
	if partial == "" {
		out = append(out, cobra.CompletionWithDesc(prefix+"-", "stdin"))
	}
	dirs := 0
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		cand := prefix + dir + name
		if st, err := os.Stat(filepath.Join(read, name)); err == nil && st.IsDir() {
			cand += "/"
			dirs++
		}
		out = append(out, cand)
	}
	d := quiet
	if len(out) == 1 && dirs == 1 {
		d |= cobra.ShellCompDirectiveNoSpace // keep going into the directory
	}
	return out, d
}

// clients lists client ids with the application's name.
func (l *live) clients(cmd *cobra.Command, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
	api, ctx, done, ok := l.open(cmd)
	if !ok {
		return nil, quiet
	}
	defer done()
	list, err := api.ListClients(ctx)
	if err != nil {
		return nil, quiet
	}
	var out []cobra.Completion
	for _, c := range list {
		if c.ClientID != "" && !strings.ContainsAny(c.ClientID, "\t\n") && strings.HasPrefix(c.ClientID, toComplete) {
			out = append(out, cobra.CompletionWithDesc(c.ClientID, oneLine(c.Name)))
		}
	}
	return out, quiet
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// Profiles lists the config file's profiles with their domains, and the
// built-in sandbox when withSandbox.
func Profiles(f *cmdutil.Factory, withSandbox bool) cobra.CompletionFunc {
	l := &live{f: f}
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		add := func(name, desc string) {
			if strings.HasPrefix(name, toComplete) {
				out = append(out, cobra.CompletionWithDesc(name, desc))
			}
		}
		path := l.f.Global.Config
		if path == "" {
			path, _ = config.ConfigPath(l.f.Env)
		}
		if path != "" {
			if file, err := config.LoadFile(path); err == nil {
				for _, name := range file.ProfileNames() {
					desc := oneLine(file.Profiles[name].Domain)
					if name == file.DefaultProfile {
						desc += " (default)"
					}
					add(name, strings.TrimSpace(desc))
				}
			}
		}
		if withSandbox {
			add(config.SandboxProfile, "built-in local tenant")
		}
		return out, quiet
	}
}

// read reads the target's field, or reports failure.
func (l *live) read(cmd *cobra.Command, kind metaops.Kind, target string) ([]byte, bool) {
	if metaops.ValidateTarget(kind, target) != nil {
		return nil, false
	}
	api, ctx, done, ok := l.open(cmd)
	if !ok {
		return nil, false
	}
	defer done()
	_, doc, err := metaops.Read(ctx, api, kind, target)
	return doc, err == nil
}

// open silences the factory and returns its API client with a context
// bounded by Budget. The factory's Close (run by root.Run after
// __complete) stops the in-process sandbox.
func (l *live) open(cmd *cobra.Command) (metaops.API, context.Context, context.CancelFunc, bool) {
	f := l.f
	// Completion output is the candidates alone: warnings, traces and any
	// prompt have nowhere to go.
	f.IO = &iostreams.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard, NoColor: true}
	f.Global.Debug = ""
	if f.Global.Timeout <= 0 || f.Global.Timeout > Budget {
		f.Global.Timeout = Budget
	}
	s, err := f.Settings()
	if err != nil {
		return nil, nil, nil, false
	}
	if s.Sandbox && !sandboxFree(f.Env) {
		return nil, nil, nil, false
	}
	ctx := cmd.Context()
	if ctx == nil {
		ctx = context.Background()
	}
	ctx, cancel := context.WithTimeout(ctx, Budget)
	api, err := f.API()
	if err != nil {
		cancel()
		return nil, nil, nil, false
	}
	return api, ctx, cancel, true
}

// sandboxFree reports whether the built-in sandbox's state is unlocked:
// another a0meta (say, one waiting at a confirmation prompt) may hold it for
// as long as it likes, and Tab must not wait for it. The file is the one
// the factory starts the sandbox on.
func sandboxFree(env config.Env) bool {
	dir, err := config.DataDir(env)
	if err != nil {
		return false
	}
	unlock, err := sandbox.TryLock(filepath.Join(dir, "sandbox.json"))
	if err != nil {
		return false
	}
	return unlock() == nil
}
