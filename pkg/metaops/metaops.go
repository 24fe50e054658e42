// Package metaops runs the read-edit-write of one metadata field against a
// tenant: it resolves the target, reads the field once, lets the pure edit
// engine compute the root-level PATCH, and sends it (or not). It holds no
// HTTP or JSON-editing code of its own; the cli calls it. Its one file I/O
// is SaveUnsent, which keeps an edited document that was not sent.
package metaops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/mgmt"
	"github.com/tidwall/gjson"
)

// API is the part of the Management API client this package uses.
type API interface {
	GetUserField(ctx context.Context, userID, field string) (json.RawMessage, error)
	PatchUser(ctx context.Context, userID string, body []byte) (json.RawMessage, error)
	UsersByEmail(ctx context.Context, email string, fields ...string) ([]json.RawMessage, error)
	GetClientField(ctx context.Context, clientID, field string) (json.RawMessage, error)
	PatchClient(ctx context.Context, clientID string, body []byte) (json.RawMessage, error)
	ListClients(ctx context.Context) ([]mgmt.ClientRef, error)
}

// Kind names the metadata field a command works on.
type Kind int

const (
	UserMetadata Kind = iota
	AppMetadata
	ClientMetadata
)

// Field is the field's name in the Management API.
func (k Kind) Field() string {
	switch k {
	case AppMetadata:
		return "app_metadata"
	case ClientMetadata:
		return "client_metadata"
	}
	return "user_metadata"
}

// Noun is what the target is called in messages.
func (k Kind) Noun() string {
	if k == ClientMetadata {
		return "client"
	}
	return "user"
}

// ProfileSizeGuidance is Auth0's advice for a whole user profile.
const ProfileSizeGuidance = 10 * 1024

// Target is a resolved user or client.
type Target struct {
	Kind  Kind
	Input string // as typed
	ID    string // user_id or client_id
}

// Validate checks operations against the field's rules before any request.
func Validate(kind Kind, ops []metaedit.Op) error {
	if kind != ClientMetadata {
		return nil
	}
	for _, op := range ops {
		if err := metaedit.CheckClientPath(op.Path); err != nil {
			return err
		}
		if op.Kind != metaedit.Set {
			continue
		}
		if gjson.ParseBytes(op.Value).Type != gjson.String {
			return failure.Usagef("client_metadata values must be strings: %s is given %s", metapath.Printable(op.Path.String()), metaedit.TypeName(gjson.ParseBytes(op.Value)))
		}
		// Key characters and the lengths need no read: check them now, so
		// nothing at all is sent; the key count is checked after the read.
		if err := metaedit.CheckClientMetadata(singleEntry(op.Path[0], op.Value)); err != nil {
			return err
		}
	}
	return nil
}

// singleEntry is the object {key: value}.
func singleEntry(key string, value []byte) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(key)
	k := bytes.TrimSpace(b.Bytes())
	return wrapKey(k, value)
}

// ValidateTarget refuses, before any request, what can be neither a user_id
// nor an email address.
func ValidateTarget(kind Kind, input string) error {
	if kind != ClientMetadata && !strings.Contains(input, "|") {
		input = strings.TrimSpace(input) // an email pasted with spaces
	}
	if input == "" {
		return failure.Usagef("empty %s", kind.Noun())
	}
	if kind == ClientMetadata {
		return nil
	}
	if strings.Contains(input, "|") {
		return nil
	}
	if strings.Count(input, "@") == 1 && !strings.HasPrefix(input, "@") && !strings.HasSuffix(input, "@") {
		return nil
	}
	return failure.Usagef("%q is neither a user_id (Auth0 user_ids hold a '|', e.g. auth0|abc123) nor an email address", input)
}

// Resolve turns what the user typed into an id, with the fewest requests:
// none for a user_id, one users-by-email lookup for an email. Clients are
// resolved lazily by Read (a name is only looked up when no client has that id).
func Resolve(ctx context.Context, api API, kind Kind, input string) (Target, error) {
	t := Target{Kind: kind, Input: input, ID: input}
	if err := ValidateTarget(kind, input); err != nil {
		return t, err
	}
	if kind == ClientMetadata || strings.Contains(input, "|") {
		return t, nil
	}
	email := strings.ToLower(strings.TrimSpace(input))
	users, err := api.UsersByEmail(ctx, email, "user_id")
	if err != nil {
		return t, err
	}
	var ids []string
	for _, u := range users {
		if id := gjson.GetBytes(u, "user_id").String(); id != "" {
			ids = append(ids, id)
		}
	}
	switch len(ids) {
	case 0:
		return t, failure.NotFoundf("no user with email %s", email)
	case 1:
		t.ID = ids[0]
		return t, nil
	}
	return t, failure.Usagef("%d users have email %s; name one by user_id: %s", len(ids), email, strings.Join(ids, ", "))
}

// Read resolves the target and reads its field once. A field the object does
// not have is "{}".
func Read(ctx context.Context, api API, kind Kind, input string) (Target, []byte, error) {
	t, err := Resolve(ctx, api, kind, input)
	if err != nil {
		return t, nil, err
	}
	doc, err := readField(ctx, api, &t)
	if err != nil {
		return t, nil, err
	}
	doc, err = metaedit.Normalize(doc)
	return t, doc, err
}

func readField(ctx context.Context, api API, t *Target) ([]byte, error) {
	doc, err := readByID(ctx, api, *t)
	if t.Kind != ClientMetadata {
		return doc, err
	}
	if err == nil || failure.CodeOf(err) != failure.NotFound {
		return doc, err
	}
	// No client has that id: accept an exact, unique application name.
	clients, lerr := api.ListClients(ctx)
	if lerr != nil {
		return nil, lerr
	}
	var ids []string
	for _, c := range clients {
		if c.Name == t.Input {
			ids = append(ids, c.ClientID)
		}
	}
	switch len(ids) {
	case 0:
		return nil, failure.Wrap(failure.NotFound, err, "no client has id or name %q", t.Input)
	case 1:
		t.ID = ids[0]
		return readByID(ctx, api, *t)
	}
	return nil, failure.Usagef("%d clients are named %q; name one by client_id: %s", len(ids), t.Input, strings.Join(ids, ", "))
}

// GetResult is what `get` prints.
type GetResult struct {
	Target  Target
	Doc     []byte   // the whole field
	Values  [][]byte // one per asked path, in order
	Missing []string // asked paths that are not there
}

// Get reads the field and looks up each path in it.
func Get(ctx context.Context, api API, kind Kind, input string, paths []metapath.Path) (*GetResult, error) {
	for _, p := range paths {
		if kind == ClientMetadata {
			if err := metaedit.CheckClientPath(p); err != nil {
				return nil, err
			}
		}
	}
	t, doc, err := Read(ctx, api, kind, input)
	if err != nil {
		return nil, err
	}
	res := &GetResult{Target: t, Doc: doc}
	for _, p := range paths {
		v, found, err := metaedit.Get(doc, p)
		if err != nil {
			return nil, err
		}
		if !found {
			res.Missing = append(res.Missing, p.String())
			continue
		}
		res.Values = append(res.Values, v)
	}
	if len(res.Missing) > 0 {
		return res, failure.NotFoundf("not in %s of %s: %s", kind.Field(), metapath.Printable(t.ID), metapath.Printable(strings.Join(res.Missing, ", ")))
	}
	return res, nil
}

// Change is one write: ops applied in order, or a clear. The cli plans it,
// then sends it unless it is a dry run.
type Change struct {
	Kind   Kind
	Target string
	Ops    []metaedit.Op
	Clear  bool
}

// ChangeResult tells what happened.
type ChangeResult struct {
	Target   Target
	Edit     *metaedit.Result
	Body     []byte // the exact PATCH body; nil when nothing changed
	Sent     bool
	Stored   []byte // the field as the server holds it after the PATCH (or as computed on a dry run)
	Warnings []string
}

// Prepared is the change for an edit computed elsewhere (undo restores
// before-values): the same body and client rules as Plan's.
func Prepared(t Target, edit *metaedit.Result) (*ChangeResult, error) {
	res := &ChangeResult{Target: t, Edit: edit, Stored: edit.After}
	if edit.Patch == nil {
		return res, nil
	}
	if t.Kind == ClientMetadata {
		if err := metaedit.CheckClientMetadata(edit.After); err != nil {
			return nil, err
		}
	}
	res.Body = wrap(t.Kind.Field(), edit.Patch)
	return res, nil
}

// Plan reads the field once and computes the exact PATCH body (nil when
// nothing would change). Nothing is sent.
func Plan(ctx context.Context, api API, ch Change) (*ChangeResult, error) {
	if err := Validate(ch.Kind, ch.Ops); err != nil {
		return nil, err
	}
	t, doc, err := Read(ctx, api, ch.Kind, ch.Target)
	if err != nil {
		return nil, err
	}
	var edit *metaedit.Result
	if ch.Clear {
		edit, err = clearEdit(ch.Kind, doc)
	} else {
		edit, err = metaedit.Apply(doc, ch.Ops)
	}
	if err != nil {
		return nil, err
	}
	res, err := Prepared(t, edit)
	if err != nil || res.Body == nil {
		return res, err
	}
	if !ch.Clear {
		var written []string
		for _, root := range edit.ChangedRoots {
			if gjson.GetBytes(edit.After, metapath.Path{root}.GJSON()).Exists() {
				written = append(written, root)
			}
		}
		res.Warnings = reservedWarnings(ch.Kind, written)
	}
	return res, nil
}

// Send PATCHes a planned change. It does nothing when the plan has no body.
func Send(ctx context.Context, api API, res *ChangeResult) error {
	if res.Body == nil {
		return nil
	}
	kind := res.Target.Kind
	var resp []byte
	var err error
	if rec := recorderFrom(ctx); rec != nil {
		finish, rerr := rec.Record(ctx, writeOf(res))
		if rerr != nil {
			return rerr
		}
		defer func() { finish(err) }()
	}
	if kind == ClientMetadata {
		resp, err = api.PatchClient(ctx, res.Target.ID, res.Body)
	} else {
		resp, err = api.PatchUser(ctx, res.Target.ID, res.Body)
	}
	if err != nil {
		var unc *mgmt.UncertainError
		if errors.As(err, &unc) {
			return &UnconfirmedWriteError{Target: res.Target, Err: unc}
		}
		return err
	}
	res.Sent = true
	if stored := gjson.GetBytes(resp, kind.Field()); stored.Exists() && stored.IsObject() {
		res.Stored = []byte(stored.Raw)
	} else if gjson.ValidBytes(resp) {
		// Auth0 drops an emptied app_metadata from the user.
		res.Stored = []byte("{}")
	}
	if kind != ClientMetadata {
		size := len(gjson.GetBytes(resp, "user_metadata").Raw) + len(gjson.GetBytes(resp, "app_metadata").Raw)
		if size > ProfileSizeGuidance {
			res.Warnings = append(res.Warnings, fmt.Sprintf("the metadata of %s is now %d bytes, past Auth0's guidance of 10 KB per profile; Auth0 may refuse larger profiles in future", res.Target.ID, size))
		}
	}
	return nil
}

// reservedWarnings warns about each reserved app_metadata name written.
func reservedWarnings(kind Kind, written []string) []string {
	if kind != AppMetadata {
		return nil
	}
	var ws []string
	for _, r := range written {
		if metapath.Reserved(r) {
			ws = append(ws, fmt.Sprintf("%q is a reserved app_metadata name; Auth0 may reject it or misbehave", r))
		}
	}
	return ws
}

// clearEdit empties the field. Users take "{}"; Auth0 documents only null
// removal for client_metadata, so each existing key is sent as null.
func clearEdit(kind Kind, doc []byte) (*metaedit.Result, error) {
	after := []byte("{}")
	patch, roots, err := metaedit.RootDiff(doc, after)
	if err != nil {
		return nil, err
	}
	res := &metaedit.Result{Before: doc, After: after, ChangedRoots: roots}
	if patch == nil {
		return res, nil
	}
	if kind == ClientMetadata {
		res.Patch = patch
	} else {
		res.Patch = after
	}
	return res, nil
}

func wrap(field string, patch []byte) []byte {
	return wrapKey([]byte(`"`+field+`"`), patch)
}

// wrapKey is {key:value} for an already quoted key.
func wrapKey(quotedKey, value []byte) []byte {
	b := make([]byte, 0, len(quotedKey)+len(value)+3)
	b = append(b, '{')
	b = append(b, quotedKey...)
	b = append(b, ':')
	b = append(b, value...)
	return append(b, '}')
}
