package completion

import (
	"fmt"
	"io"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/spf13/cobra"
)

// NewCmdCompletion returns `a0meta completion`, in cobra's shape (one
// subcommand per shell) but writing to the factory's stdout, with install
// steps that match where the release packages put the scripts.
func NewCmdCompletion(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "completion",
		Short: "Print the shell completion script for bash, zsh, fish or PowerShell",
		Long: `Print the script that teaches your shell to complete a0meta's commands and
flags, and, live from the tenant, metadata paths, client ids and profile
names.

The deb, rpm and apk packages and the Homebrew cask install the scripts
already; these commands are for other installs. Live completion uses the
cached token, gives up after about 2 seconds and stays silent on any error.
Quote user_ids in bash and zsh ('auth0|jane1'): '|' ends a shell word.`,
		Example: `  # bash, this session / every session
  source <(a0meta completion bash)
  a0meta completion bash > ~/.local/share/bash-completion/completions/a0meta

  # zsh
  a0meta completion zsh > "${fpath[1]}/_a0meta"

  # fish
  a0meta completion fish > ~/.config/fish/completions/a0meta.fish

  # PowerShell
  a0meta completion powershell | Out-String | Invoke-Expression`,
	}
	for _, sh := range shells {
		cmd.AddCommand(newCmdShell(f, sh))
	}
	return cmdutil.Group(cmd)
}

// Shell is one shell a completion script is generated for.
type Shell struct {
	Name    string // as typed: bash, zsh, fish, powershell
	File    string // the script's file name under completions/
	long    string
	example string
	gen     func(root *cobra.Command, w io.Writer, desc bool) error
}

// Shells lists the shells in a fixed order (the generator relies on it).
func Shells() []Shell { return append([]Shell(nil), shells...) }

var shells = []Shell{
	{
		Name: "bash", File: "a0meta.bash",
		long: `Print the bash completion script. It needs bash 4.1 or later and the
bash-completion package (2.x).

Packages install it as /usr/share/bash-completion/completions/a0meta.`,
		example: `  # this session
  source <(a0meta completion bash)

  # every session, for you
  mkdir -p ~/.local/share/bash-completion/completions
  a0meta completion bash > ~/.local/share/bash-completion/completions/a0meta

  # every session, for everyone (Linux; Homebrew: $(brew --prefix)/etc/bash_completion.d/a0meta)
  a0meta completion bash | sudo tee /usr/share/bash-completion/completions/a0meta >/dev/null`,
		gen: func(root *cobra.Command, w io.Writer, desc bool) error { return root.GenBashCompletionV2(w, desc) },
	},
	{
		Name: "zsh", File: "_a0meta",
		long: `Print the zsh completion script. Completion must be enabled in zsh
(autoload -U compinit; compinit in ~/.zshrc).

Packages install it as /usr/share/zsh/vendor-completions/_a0meta (Debian
family) or /usr/share/zsh/site-functions/_a0meta.`,
		example: `  # this session
  source <(a0meta completion zsh)

  # every session: any directory on $fpath, then start a new shell
  a0meta completion zsh > "${fpath[1]}/_a0meta"

  # Homebrew's directory
  a0meta completion zsh > "$(brew --prefix)/share/zsh/site-functions/_a0meta"`,
		gen: func(root *cobra.Command, w io.Writer, desc bool) error {
			if desc {
				return root.GenZshCompletion(w)
			}
			return root.GenZshCompletionNoDesc(w)
		},
	},
	{
		Name: "fish", File: "a0meta.fish",
		long: `Print the fish completion script.

Packages install it as /usr/share/fish/vendor_completions.d/a0meta.fish.`,
		example: `  # this session
  a0meta completion fish | source

  # every session
  a0meta completion fish > ~/.config/fish/completions/a0meta.fish`,
		gen: func(root *cobra.Command, w io.Writer, desc bool) error { return root.GenFishCompletion(w, desc) },
	},
	{
		Name: "powershell", File: "a0meta.ps1",
		long: `Print the PowerShell completion script.`,
		example: `  # this session
  a0meta completion powershell | Out-String | Invoke-Expression

  # every session: add the script to your profile
  a0meta completion powershell >> $PROFILE`,
		gen: func(root *cobra.Command, w io.Writer, desc bool) error {
			if desc {
				return root.GenPowerShellCompletionWithDesc(w)
			}
			return root.GenPowerShellCompletion(w)
		},
	},
}

func newCmdShell(f *cmdutil.Factory, sh Shell) *cobra.Command {
	var noDesc bool
	cmd := &cobra.Command{
		Use:                   sh.Name,
		Short:                 fmt.Sprintf("Print the %s completion script", sh.Name),
		Long:                  sh.long,
		Example:               sh.example,
		Args:                  cmdutil.ExactArgs(0, ""),
		DisableFlagsInUseLine: true,
		ValidArgsFunction:     cobra.NoFileCompletions,
		RunE: func(cmd *cobra.Command, args []string) error {
			return sh.gen(cmd.Root(), f.IO.Out, !noDesc)
		},
	}
	cmd.Flags().BoolVar(&noDesc, "no-descriptions", false, "Leave out the descriptions of candidates")
	return cmd
}
