package metaops

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaedit"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/tidwall/gjson"
)

// Edit is a whole-document edit of one field (`meta edit`): BeginEdit reads
// the field, Plan checks an edited document against what was read, Commit
// reads the field again and sends only the edit's own root keys, unless
// someone else changed one of them meanwhile.
type Edit struct {
	Target Target
	// Original is the field as read when the edit began ("{}" when absent).
	Original []byte
}

// BeginEdit resolves the target and reads its field once.
func BeginEdit(ctx context.Context, api API, kind Kind, input string) (*Edit, error) {
	t, doc, err := Read(ctx, api, kind, input)
	if err != nil {
		return nil, err
	}
	return &Edit{Target: t, Original: doc}, nil
}

// EditPlan is what an edited document changes, compared with Original.
type EditPlan struct {
	// Patch holds each root key that is new or changed by meaning, with its
	// whole new value, then each removed root key as null. Nil: no change.
	// Removing every key is sent key by key as nulls, never as {}, so that
	// a root someone else added meanwhile survives.
	Patch    []byte
	Changed  []string // root keys set (new or different)
	Removed  []string // root keys removed
	Warnings []string
}

// Plan checks the edited document (a JSON object: the whole new field) and
// computes the root-level patch. Its errors are usage errors that name what
// is wrong: not JSON, not an object, a '.' or '$' in a key, a null root, or
// one of Auth0's client_metadata rules.
func (e *Edit) Plan(edited []byte) (*EditPlan, error) {
	if err := CheckDocument(e.Target.Kind, edited); err != nil {
		return nil, err
	}
	patch, roots, err := metaedit.RootDiff(e.Original, edited)
	if err != nil {
		return nil, err
	}
	p := &EditPlan{Patch: patch}
	if patch == nil {
		return p, nil
	}
	for _, r := range roots {
		if gjson.GetBytes(patch, metapath.Path{r}.GJSON()).Type == gjson.Null {
			p.Removed = append(p.Removed, r)
		} else {
			p.Changed = append(p.Changed, r)
		}
	}
	p.Warnings = reservedWarnings(e.Target.Kind, p.Changed)
	return p, nil
}

// CheckDocument checks, without any request, that doc can be the whole
// new field: a JSON object (not null), each root key once, no '.' or '$'
// in any key, no repeated key in any object, no null root, nesting no
// deeper than metapath.MaxDepth, and for client_metadata every one of
// Auth0's client rules.
func CheckDocument(kind Kind, doc []byte) error {
	if len(bytes.TrimSpace(doc)) == 0 {
		return failure.Usagef("the edited document is empty; give a JSON object ({} removes every key)")
	}
	if _, _, err := metaedit.RootDiff([]byte("{}"), doc); err != nil {
		return err
	}
	if kind == ClientMetadata {
		return metaedit.CheckClientMetadata(doc)
	}
	return nil
}

// ConflictError is the lost-update guard's refusal: root keys the edit
// changes were changed on the tenant after the edit began. Nothing was sent.
type ConflictError struct {
	Target Target
	Roots  []string
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("%s of %s %s changed on the tenant while you edited it (root key(s) %s); nothing sent",
		e.Target.Kind.Field(), e.Target.Kind.Noun(), metapath.Printable(e.Target.ID), quoteAll(e.Roots))
}

// ExitCode is 1: the edit is valid, the tenant moved on.
func (e *ConflictError) ExitCode() failure.Code { return failure.General }

// Commit sends the plan. A dry run computes the body against Original and
// sends nothing. Otherwise the field is read again first: if a root key the
// edit changes now differs by meaning from Original (and from the edit's
// own value), Commit returns a *ConflictError and sends nothing. Roots the
// edit does not touch may have changed meanwhile: the PATCH carries only
// the edit's roots, and only those that still differ from the tenant.
func (e *Edit) Commit(ctx context.Context, api API, p *EditPlan, dryRun bool) (*ChangeResult, error) {
	res := &ChangeResult{Target: e.Target, Warnings: p.Warnings}
	if p.Patch == nil {
		res.Edit = &metaedit.Result{Before: e.Original, After: e.Original}
		res.Stored = e.Original
		return res, nil
	}
	current := e.Original
	if !dryRun {
		doc, err := readByID(ctx, api, e.Target)
		if err != nil {
			return nil, err
		}
		if current, err = metaedit.Normalize(doc); err != nil {
			return nil, err
		}
	}
	merged, err := metaedit.MergeRoot(current, p.Patch)
	if err != nil {
		return nil, err
	}
	// The roots that still differ from the tenant: a root someone else set
	// to the edit's very value meanwhile needs no sending.
	patch, roots, err := metaedit.RootDiff(current, merged)
	if err != nil {
		return nil, err
	}
	var conflicts []string
	for _, r := range roots {
		if !sameRoot(e.Original, current, r) {
			conflicts = append(conflicts, r)
		}
	}
	if len(conflicts) > 0 {
		return nil, &ConflictError{Target: e.Target, Roots: conflicts}
	}
	res.Edit = &metaedit.Result{Before: current, After: merged, Patch: patch, ChangedRoots: roots}
	res.Stored = merged
	if patch == nil {
		return res, nil
	}
	if e.Target.Kind == ClientMetadata {
		// Keys added meanwhile count towards Auth0's limit of 10.
		if err := metaedit.CheckClientMetadata(merged); err != nil {
			return nil, err
		}
	}
	res.Body = wrap(e.Target.Kind.Field(), patch)
	if dryRun {
		return res, nil
	}
	return res, Send(ctx, api, res)
}

// SplitRoots splits a result's changed roots into those it sets and those
// it removes.
func SplitRoots(r *metaedit.Result) (set, removed []string) {
	for _, k := range r.ChangedRoots {
		if _, found, _ := metaedit.Get(r.After, metapath.Path{k}); found {
			set = append(set, k)
		} else {
			removed = append(removed, k)
		}
	}
	return set, removed
}

// readByID reads the field of an already resolved target.
func readByID(ctx context.Context, api API, t Target) ([]byte, error) {
	if t.Kind == ClientMetadata {
		return api.GetClientField(ctx, t.ID, t.Kind.Field())
	}
	return api.GetUserField(ctx, t.ID, t.Kind.Field())
}

// sameRoot reports whether root key r means the same in a and b (both
// absent counts as the same).
func sameRoot(a, b []byte, r string) bool {
	va, fa, errA := metaedit.Get(a, metapath.Path{r})
	vb, fb, errB := metaedit.Get(b, metapath.Path{r})
	if errA != nil || errB != nil {
		return false
	}
	return fa == fb && (!fa || metaedit.Equal(va, vb))
}

// SaveUnsent keeps an edited document that was not sent, as
// dir/<field>-<id>-<timestamp>.json (directory 0700, file 0600), and
// returns its path. The id is reduced to characters safe in a file name.
func SaveUnsent(dir string, t Target, doc []byte, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", err
	}
	base := fmt.Sprintf("%s-%s-%s", t.Kind.Field(), SanitizeFileName(t.ID), now.UTC().Format("20060102T150405Z"))
	if len(doc) == 0 || doc[len(doc)-1] != '\n' {
		doc = append(doc[:len(doc):len(doc)], '\n')
	}
	for i := 1; ; i++ {
		name := base + ".json"
		if i > 1 {
			name = fmt.Sprintf("%s-%d.json", base, i)
		}
		path := filepath.Join(dir, name)
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, os.ErrExist) && i < 1000 {
			continue
		}
		if err != nil {
			return "", err
		}
		if _, err := f.Write(doc); err != nil {
			f.Close()
			return "", err
		}
		return path, f.Close()
	}
}

// SanitizeFileName keeps ASCII letters, digits, '.', '-' and '_' and turns
// every other byte into '_' (auth0|abc -> auth0_abc).
func SanitizeFileName(s string) string {
	b := []byte(s)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			b[i] = '_'
		}
	}
	if len(b) == 0 || b[0] == '.' {
		return "_" + string(b)
	}
	return string(b)
}

func quoteAll(keys []string) string {
	q := make([]string, len(keys))
	for i, k := range keys {
		q[i] = fmt.Sprintf("%q", k)
	}
	return strings.Join(q, ", ")
}
