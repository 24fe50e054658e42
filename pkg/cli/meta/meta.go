// Package meta holds the `user meta` and `client meta` verbs. Each verb
// parses its flags into an options struct that carries what it uses (the
// streams, the API client, the tenant's name) as values and functions, and
// hands it to the verb's run function; the same code serves user_metadata,
// app_metadata and client_metadata.
package meta

import (
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/cli/completion"
	"github.com/a0meta/a0meta/pkg/cli/user"
	"github.com/a0meta/a0meta/pkg/iostreams"
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

func (n Noun) target() string {
	if n == Client {
		return "CLIENT"
	}
	return "USER"
}

// targetHelp says what the target argument may be, for Long texts.
func (n Noun) targetHelp() string {
	if n == Client {
		return "CLIENT is a client_id or an exact application name."
	}
	return "USER is a user_id or an email address."
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
		Long:    short + ".\n\n" + noun.targetHelp(),
		Example: example,
	}
	cmd.AddCommand(NewCmdGet(f, noun, nil))
	// The writes: the profile's read_only and confirm apply to them.
	for _, w := range []*cobra.Command{NewCmdSet(f, noun, nil), NewCmdUnset(f, noun, nil), NewCmdClear(f, noun, nil), NewCmdEdit(f, noun, nil)} {
		cmdutil.MarkWrite(w, w.Name() == "clear")
		cmd.AddCommand(w)
	}
	return cmdutil.Group(cmd)
}

// common is what every verb shares: its dependencies, then its flags.
type common struct {
	IO  *iostreams.IOStreams
	API func() (metaops.API, error)
	// Where names the tenant (and profile) in messages, once API has run.
	Where func() string

	Noun   Noun
	App    bool // --app: app_metadata instead of user_metadata
	Target string
	Output string
}

func newCommon(f *cmdutil.Factory, noun Noun) common {
	return common{IO: f.IO, API: f.API, Where: f.Where, Noun: noun}
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
func (c *common) begin(args []string, formats []completion.Choice) error {
	if c.Output != "" {
		if err := cmdutil.OneOf("output", c.Output, completion.Names(formats)...); err != nil {
			return err
		}
	}
	c.Target = args[0]
	return metaops.ValidateTarget(c.kind(), c.Target)
}

// targetDesc names the field, the target and the tenant in messages.
func (c *common) targetDesc(id string) string {
	kind := c.kind()
	return fmt.Sprintf("%s of %s %s on %s", kind.Field(), kind.Noun(), cmdutil.Sanitize(id), c.Where())
}

func addAppFlag(cmd *cobra.Command, noun Noun, app *bool) {
	if noun == User {
		cmd.Flags().BoolVar(app, "app", false, "Work on app_metadata instead of user_metadata")
	}
}

// The -o values of each verb, declared once: the flag's help, its check
// and its completion are all made from these lists.
var (
	getFormats = []completion.Choice{
		{Name: "json", Desc: "JSON"},
		{Name: "raw", Desc: "strings without quotes, other values as JSON"},
		{Name: "yaml", Desc: "YAML"},
	}
	writeFormats = []completion.Choice{
		{Name: "json", Desc: "JSON"},
	}
)

// addOutputFlag defines -o with its declared formats and completes them.
func addOutputFlag(cmd *cobra.Command, out *string, def, usage string, formats []completion.Choice) {
	cmd.Flags().StringVarP(out, "output", "o", def, usage)
	_ = cmd.RegisterFlagCompletionFunc("output", completion.Fixed(formats...))
}

// formatList is "json, raw or yaml".
func formatList(formats []completion.Choice) string {
	names := completion.Names(formats)
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// describeOps names what a set, unset or clear did, for its summary line.
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
		s := verb + " " + cmdutil.Sanitize(rep.Op.Path.String())
		if rep.Note != "" {
			s += " (" + rep.Note + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}
