package configcmd

import (
	"strings"
	"testing"

	"github.com/a0meta/a0meta/pkg/cli/cmdutil"
	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/iostreams"
)

func TestSetProfileArgs(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stdin  string
		err    string // "" = runF is called
		want   SetProfileOptions
		stderr string
	}{
		{name: "new profile, secret from stdin", args: []string{"prod", "--domain", "d.auth0.com", "--client-id", "i"}, stdin: "s3cret\n",
			want: SetProfileOptions{Name: "prod", Domain: "d.auth0.com", ClientID: "i", Secret: "s3cret"}},
		{name: "--default alone reads no secret", args: []string{"prod", "--default"}, stdin: "not read\n",
			want: SetProfileOptions{Name: "prod", MakeDefault: true}},
		{name: "--audience alone", args: []string{"prod", "--audience", "https://t.auth0.com/api/v2/"},
			want: SetProfileOptions{Name: "prod", Audience: "https://t.auth0.com/api/v2/"}},
		{name: "domain without client id", args: []string{"prod", "--domain", "d.auth0.com"}, err: "--domain and --client-id together"},
		{name: "client id without domain", args: []string{"prod", "--client-id", "i"}, err: "--domain and --client-id together"},
		{name: "nothing to change", args: []string{"prod"}, err: "or --default or --audience"},
		{name: "--no-secret alone", args: []string{"prod", "--default", "--no-secret"}, err: "--no-secret goes with"},
		{name: "empty stdin", args: []string{"prod", "--domain", "d.auth0.com", "--client-id", "i"}, err: "no client secret"},
		{name: "non-ASCII domain stored in punycode", args: []string{"p", "--domain", "exämple.auth0.com", "--client-id", "i", "--no-secret"},
			want:   SetProfileOptions{Name: "p", Domain: "xn--exmple-cua.auth0.com", ClientID: "i", NoSecret: true},
			stderr: "punycode form xn--exmple-cua.auth0.com"},
		{name: "bad domain", args: []string{"p", "--domain", "http://example.com", "--client-id", "i"}, err: "loopback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			io, in, _, errOut := iostreams.Test()
			in.WriteString(tt.stdin)
			f := &cmdutil.Factory{IO: io, Env: func(string) string { return "" }}
			var got *SetProfileOptions
			cmd := NewCmdSetProfile(f, func(o *SetProfileOptions) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.err != "" {
				if err == nil || failure.CodeOf(err) != failure.Usage || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want exit 2 with %q", err, tt.err)
				}
				if got != nil {
					t.Error("wrote despite the error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != tt.want {
				t.Errorf("options %+v, want %+v", *got, tt.want)
			}
			if !strings.Contains(errOut.String(), tt.stderr) {
				t.Errorf("stderr %q, want %q", errOut.String(), tt.stderr)
			}
		})
	}
}
