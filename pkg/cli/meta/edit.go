package meta

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/config"
	"github.com/a0meta/a0meta/pkg/editor"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/a0meta/a0meta/pkg/render"
	"github.com/spf13/cobra"
	"mvdan.cc/sh/v3/syntax"
)

// EditOptions are the parsed flags and arguments of `meta edit`.
type EditOptions struct {
	writeOptions
	// Editor is the editor command line ($VISUAL, $EDITOR or vi).
	Editor func() ([]string, error)
	// UnsentDir is where documents that were not sent are kept.
	UnsentDir func() string
	// GlobalArgs are the global flags given, repeated in retry hints.
	GlobalArgs func() []string
	Now        func() time.Time
	// CommandPath is "user meta edit" or "client meta edit", for hints.
	CommandPath string

	// File holds the edited document instead of an editor ("-": stdin).
	File string
}

// NewCmdEdit returns `meta edit`; runF replaces the real run in tests.
func NewCmdEdit(f *cmdutil.Factory, noun Noun, runF func(*EditOptions) error) *cobra.Command {
	opts := &EditOptions{
		writeOptions: writeOptions{common: newCommon(f, noun)},
		Editor:       func() ([]string, error) { return editor.Command(f.Env) },
		UnsentDir:    func() string { return unsentDir(f.Env) },
		GlobalArgs:   f.GlobalArgs,
		Now:          time.Now,
	}
	field := "user_metadata (app_metadata with --app)"
	example := `  # edit user_metadata in $VISUAL / $EDITOR
  a0meta user meta edit jane.doe@example.com

  # scripted: make app_metadata equal to a file, sending only what differs
  a0meta user meta edit 'auth0|jane1' --app --file plan.json --diff

  # review the exact PATCH body of a document read from stdin
  jq '.tier = "gold"' app.json | a0meta user meta edit 'auth0|jane1' --app --file - --dry-run`
	rules := ""
	if noun == Client {
		field = "client_metadata"
		example = `  a0meta client meta edit myclientid123
  a0meta client meta edit myclient --file metadata.json --diff --dry-run`
		rules = `

client_metadata follows Auth0's rules: a flat object of string values, at
most 10 keys, keys and values at most 255 characters, key characters ASCII
letters, digits, space, tab and :,-+=_*?"/\()<>@ (edit is the only way to
write a key holding '=').`
	}
	cmd := &cobra.Command{
		Use:   fmt.Sprintf("edit %s", noun.target()),
		Short: "Edit the whole metadata field in your editor",
		Long: fmt.Sprintf(`Open %s as indented JSON in $VISUAL, else $EDITOR, else vi,
then send only the root keys you changed (a removed root key is sent as null;
removing every key sends each as null).

Lines starting with # are ignored. Saving an empty file cancels; an unchanged
file cancels with "no changes". Invalid JSON, a key holding '.' or '$', or a
broken rule reopens the editor with the reason at the top.

Just before sending, the field is read again: if a root key you changed was
changed by someone else meanwhile, nothing is sent, your document is saved
under $XDG_STATE_HOME/a0meta/unsent/ and the exit code is 1.

Without a terminal on stdin, --file FILE (- for stdin) gives the edited
document: the field is made equal to it, sending only what differs.%s

%s`, field, rules, noun.targetHelp()),
		Example: example,
		Args:    cmdutil.ExactArgs(1, noun.target()),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.begin(args, writeFormats); err != nil {
				return err
			}
			if opts.File == "" && !opts.IO.StdinTTY {
				return failure.Usagef("edit runs an editor, but stdin is not a terminal: give the edited document with --file FILE (or --file - for stdin); nothing was sent")
			}
			opts.CommandPath = strings.TrimPrefix(cmd.CommandPath(), cmd.Root().Name()+" ")
			if runF != nil {
				return runF(opts)
			}
			return editRun(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = completion.MetaArgs(f, noun == Client, completion.TargetOnly)
	addAppFlag(cmd, noun, &opts.App)
	addWriteFlags(cmd, &opts.writeOptions)
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "Edited document to apply instead of opening an editor (- for stdin)")
	return cmd
}

func editRun(ctx context.Context, opts *EditOptions) error {
	kind := opts.kind()
	var fileDoc []byte
	if opts.File != "" {
		doc, err := readDocFile(opts.File, opts.IO.In)
		if err != nil {
			return err
		}
		// Refuse a bad document before any request.
		if err := metaops.CheckDocument(kind, doc); err != nil {
			return err
		}
		fileDoc = doc
	}
	api, err := opts.API()
	if err != nil {
		return err
	}
	ed, err := metaops.BeginEdit(ctx, api, kind, opts.Target)
	if err != nil {
		return err
	}
	doc, plan := fileDoc, (*metaops.EditPlan)(nil)
	if fileDoc != nil {
		if plan, err = ed.Plan(fileDoc); err != nil {
			return err
		}
	} else {
		doc, plan, err = editLoop(opts, ed)
		if err != nil || plan == nil {
			return err
		}
	}
	if plan.Patch == nil {
		fmt.Fprintf(opts.IO.ErrOut, "Edit cancelled, no changes to %s; nothing sent\n", opts.targetDesc(ed.Target.ID))
		if opts.Output == "json" && !opts.DryRun {
			return printValue(opts.IO.Out, ed.Original, "json", false)
		}
		return nil
	}
	res, err := ed.Commit(ctx, api, plan, opts.DryRun)
	var conflict *metaops.ConflictError
	if errors.As(err, &conflict) {
		return opts.saveConflict(conflict, doc)
	}
	if err != nil && fileDoc == nil {
		// Keep what the user typed when the write fails after the editor.
		path, serr := metaops.SaveUnsent(opts.UnsentDir(), ed.Target, doc, opts.Now())
		if serr != nil {
			return failure.Wrap(failure.CodeOf(err), err, "edit not applied, and your edited document could not be saved (%v)", serr)
		}
		return failure.Wrap(failure.CodeOf(err), err, "edit not applied; your edited document is saved in %s", path)
	}
	if err != nil {
		return err
	}
	if opts.Diff {
		opts.printDiff(res.Edit.Before, res.Edit.After)
	}
	change := describeEdit(res)
	if res.Body == nil {
		change = "the tenant already holds your edit"
	}
	return opts.report(res, change)
}

// editLoop runs the editor until the document is valid or the user gives
// up. A nil plan with a nil error means cancelled (already reported).
func editLoop(opts *EditOptions, ed *metaops.Edit) ([]byte, *metaops.EditPlan, error) {
	kind := opts.kind()
	argv, err := opts.Editor()
	if err != nil {
		return nil, nil, failure.Wrap(failure.Usage, err, "editor")
	}
	sess, err := editor.NewSession(fmt.Sprintf("%s-%s.json", kind.Field(), metaops.SanitizeFileName(ed.Target.ID)))
	if err != nil {
		return nil, nil, err
	}
	defer sess.Close()
	what := opts.targetDesc(ed.Target.ID)
	body := append(render.Pretty(ed.Original), '\n')
	var lastErr error
	for {
		if err := sess.Write(append(editHeader(kind, what, lastErr), body...)); err != nil {
			return nil, nil, err
		}
		streams := editor.Streams{In: opts.IO.In, Out: opts.IO.Out, Err: opts.IO.ErrOut}
		if !opts.IO.StdoutTTY && opts.IO.StderrTTY {
			// Keep the editor on the terminal when stdout is redirected.
			streams.Out = opts.IO.ErrOut
		}
		if err := editor.Run(argv, sess.Path, streams); err != nil {
			return nil, nil, failure.Wrap(failure.General, err, "nothing sent")
		}
		text, err := sess.Read()
		if err != nil {
			return nil, nil, err
		}
		edited := bytes.TrimSpace(editor.StripComments(text))
		if len(edited) == 0 {
			fmt.Fprintf(opts.IO.ErrOut, "Edit cancelled: the file was emptied; nothing sent to %s\n", what)
			return nil, nil, nil
		}
		plan, err := ed.Plan(edited)
		if err == nil {
			return edited, plan, nil
		}
		if failure.CodeOf(err) != failure.Usage {
			return nil, nil, err
		}
		edited = append(edited, '\n')
		if lastErr != nil && bytes.Equal(edited, body) {
			// Reopened on an error and saved unchanged: the user gives up.
			path, serr := metaops.SaveUnsent(opts.UnsentDir(), ed.Target, edited, opts.Now())
			if serr != nil {
				return nil, nil, failure.Wrap(failure.Usage, err, "edit cancelled, nothing sent (your text could not be saved: %v)", serr)
			}
			return nil, nil, failure.Wrap(failure.Usage, err, "edit cancelled, nothing sent; your text is saved in %s", path)
		}
		lastErr, body = err, edited
	}
}

func editHeader(kind metaops.Kind, what string, problem error) []byte {
	lines := []string{
		"Editing " + what + ".",
		"Only the root keys you change are sent; a removed root key is sent as null.",
	}
	if kind == metaops.ClientMetadata {
		lines = append(lines, "client_metadata: string values only, at most 10 keys, keys and values up to 255 characters.")
	}
	lines = append(lines, "Lines starting with # are ignored; an empty file cancels the edit.")
	if problem != nil {
		lines = append(lines, "", "ERROR: "+problem.Error(), "Fix it and save, empty the file to cancel, or save it unchanged to give up.")
	}
	return editor.Header(lines...)
}

func readDocFile(name string, stdin io.Reader) ([]byte, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "--file %s", name)
	}
	return editor.StripComments(data), nil
}

func unsentDir(env config.Env) string {
	dir, err := config.StateDir(env)
	if err != nil {
		dir = filepath.Join(os.TempDir(), "a0meta")
	}
	return filepath.Join(dir, "unsent")
}

// saveConflict keeps the edit the guard refused and tells how to apply it,
// with the global flags that chose this tenant.
func (opts *EditOptions) saveConflict(c *metaops.ConflictError, doc []byte) error {
	path, err := metaops.SaveUnsent(opts.UnsentDir(), c.Target, doc, opts.Now())
	if err != nil {
		return failure.Wrap(failure.General, c, "your edited document could not be saved either (%v)", err)
	}
	argv := append([]string{"a0meta"}, opts.GlobalArgs()...)
	argv = append(argv, strings.Fields(opts.CommandPath)...)
	argv = append(argv, c.Target.ID)
	if opts.App {
		argv = append(argv, "--app")
	}
	argv = append(argv, "--file", path)
	again := shellJoin(argv)
	return failure.New(failure.General, "%s\nYour edited document is saved in %s\n"+
		"--file makes the whole field equal to the file: review what it would change, then apply it:\n"+
		"  %s --diff --dry-run\n  %s", c.Error(), path, again, again)
}

// describeEdit names the root keys an edit sets and removes.
func describeEdit(res *metaops.ChangeResult) string {
	set, removed := metaops.SplitRoots(res.Edit)
	for i := range set {
		set[i] = cmdutil.Sanitize(set[i])
	}
	for i := range removed {
		removed[i] = cmdutil.Sanitize(removed[i])
	}
	var parts []string
	if len(set) > 0 {
		parts = append(parts, "set "+strings.Join(set, ", "))
	}
	if len(removed) > 0 {
		parts = append(parts, "removed "+strings.Join(removed, ", "))
	}
	return strings.Join(parts, "; ")
}

// shellJoin quotes each word for a POSIX shell, only where it needs it
// ('auth0|jane1'); a word no POSIX quoting can hold (a control character)
// gets bash's $'...', and what reaches the terminal is sanitized anyway.
func shellJoin(argv []string) string {
	words := make([]string, len(argv))
	for i, w := range argv {
		q, err := syntax.Quote(w, syntax.LangPOSIX)
		if err != nil {
			if q, err = syntax.Quote(w, syntax.LangBash); err != nil {
				q = w
			}
		}
		words[i] = cmdutil.Sanitize(q)
	}
	return strings.Join(words, " ")
}
