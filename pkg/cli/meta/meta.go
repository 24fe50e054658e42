// Package meta holds the `user meta` and `client meta` verbs. Each verb
// parses its flags into an options struct and hands it to metaops; the same
// code serves user_metadata, app_metadata and client_metadata.
package meta

import (
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/user"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/spf13/cobra"
)

// Noun is the object a meta command works on.
type Noun int

const (
	User Noun = iota
	Client
)

func (n Noun) word() string {
	if n == Client {
		return "client"
	}
	return "user"
}

func (n Noun) target() string {
	if n == Client {
		return "CLIENT"
	}
	return "USER"
}

// NewCmdUser returns `a0meta user`.
func NewCmdUser(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "user",
		Aliases: []string{"users"},
		Short:   "Work with users",
		Example: `  a0meta user meta get jane.doe@example.com
  a0meta user meta set 'auth0|jane1' plan=pro --app`,
	}
	cmd.AddCommand(newCmdMeta(f, User))
	cmd.AddCommand(user.NewCmdList(f, nil))
	return cmdutil.Group(cmd)
}

// NewCmdClient returns `a0meta client`.
func NewCmdClient(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "client",
		Aliases: []string{"clients", "app", "apps"},
		Short:   "Work with applications (clients)",
		Example: `  a0meta client meta get myclientid123
  a0meta client meta set myclient mycolor=blue`,
	}
	cmd.AddCommand(newCmdMeta(f, Client))
	return cmdutil.Group(cmd)
}

func newCmdMeta(f *cmdutil.Factory, noun Noun) *cobra.Command {
	short := "Read and change a user's user_metadata (or app_metadata with --app)"
	if noun == Client {
		short = "Read and change an application's client_metadata"
	}
	example := `  a0meta user meta get 'auth0|jane1'
  a0meta user meta set 'auth0|jane1' addresses.work="100 Industrial Way"
  a0meta user meta unset 'auth0|jane1' addresses.work`
	if noun == Client {
		example = `  a0meta client meta get myclientid123 mycolor -o raw
  a0meta client meta set myclientid123 region=eu-west
  a0meta client meta unset myclientid123 myflavor`
	}
	cmd := &cobra.Command{
		Use:     "meta",
		Aliases: []string{"metadata"},
		Short:   short,
		Example: example,
	}
	cmd.AddCommand(NewCmdGet(f, noun, nil))
	cmd.AddCommand(NewCmdSet(f, noun, nil))
	cmd.AddCommand(NewCmdUnset(f, noun, nil))
	cmd.AddCommand(NewCmdClear(f, noun, nil))
	cmd.AddCommand(NewCmdEdit(f, noun, nil))
	return cmdutil.Group(cmd)
}

// common is what every verb shares.
type common struct {
	Noun   Noun
	App    bool // --app: app_metadata instead of user_metadata
	Target string
	Output string
}

func (c *common) kind() metaops.Kind {
	switch {
	case c.Noun == Client:
		return metaops.ClientMetadata
	case c.App:
		return metaops.AppMetadata
	}
	return metaops.UserMetadata
}

// begin checks -o against the verb's formats and takes the target from
// the first argument, refusing what can be neither a user nor a client.
func (c *common) begin(args []string, formats ...string) error {
	if c.Output != "" {
		if err := cmdutil.OneOf("output", c.Output, formats...); err != nil {
			return err
		}
	}
	c.Target = args[0]
	return metaops.ValidateTarget(c.kind(), c.Target)
}

func addAppFlag(cmd *cobra.Command, noun Noun, app *bool) {
	if noun == User {
		cmd.Flags().BoolVar(app, "app", false, "Work on app_metadata instead of user_metadata")
	}
}

// targetDesc names the field, the target and the tenant in messages.
func targetDesc(f *cmdutil.Factory, kind metaops.Kind, id string) string {
	return fmt.Sprintf("%s of %s %s on %s", kind.Field(), kind.Noun(), id, f.Where())
}

// summary is the one line a write prints on stderr.
func summary(f *cmdutil.Factory, res *metaops.ChangeResult, kind metaops.Kind, dryRun bool) string {
	what := targetDesc(f, kind, res.Target.ID)
	ops := describeOps(res.Edit)
	switch {
	case res.Body == nil:
		return fmt.Sprintf("No change to %s: %s; nothing sent", what, ops)
	case dryRun:
		return fmt.Sprintf("Dry run: would update %s: %s; nothing sent", what, ops)
	}
	return fmt.Sprintf("Updated %s: %s", what, ops)
}

func describeOps(r *metaedit.Result) string {
	if r == nil {
		return ""
	}
	if len(r.Reports) == 0 {
		if r.Patch == nil {
			return "already empty"
		}
		return fmt.Sprintf("cleared %d root key(s)", len(r.ChangedRoots))
	}
	parts := make([]string, 0, len(r.Reports))
	for _, rep := range r.Reports {
		verb := "set"
		if rep.Op.Kind == metaedit.Unset {
			verb = "unset"
		}
		s := verb + " " + rep.Op.Path.String()
		if rep.Note != "" {
			s += " (" + rep.Note + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
