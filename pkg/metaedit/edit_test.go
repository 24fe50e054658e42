package metaedit

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/a0meta/a0meta/pkg/render"
)

// parseOps reads test operations: "unset PATH", or an assignment
// (PATH=VALUE, PATH:=JSON) as on the command line.
func parseOps(t testing.TB, lines []string) []Op {
	t.Helper()
	var ops []Op
	for _, l := range lines {
		if rest, ok := strings.CutPrefix(l, "unset "); ok {
			p, err := metapath.Parse(rest)
			if err != nil {
				t.Fatalf("bad test path %q: %v", rest, err)
			}
			ops = append(ops, UnsetOp(p))
			continue
		}
		a, err := metapath.ParseAssignment(l)
		if err != nil {
			t.Fatalf("bad test assignment %q: %v", l, err)
		}
		ops = append(ops, SetOp(a))
	}
	return ops
}

// checkInvariants holds for every successful Apply.
func checkInvariants(t testing.TB, res *Result) {
	t.Helper()
	if !gjson.ValidBytes(res.After) || res.After[0] != '{' {
		t.Fatalf("After is not a JSON object: %s", res.After)
	}
	if !Equal(res.working, res.After) {
		t.Fatalf("After %s does not mean the edited document %s", res.After, res.working)
	}
	merged, err := MergeRoot(res.Before, res.Patch)
	if err != nil || !Equal(merged, res.After) {
		t.Fatalf("MergeRoot(Before, Patch) = %s, %v; After = %s", merged, err, res.After)
	}
	if res.Patch == nil {
		if len(res.ChangedRoots) != 0 || string(res.After) != string(res.Before) {
			t.Fatalf("no patch but roots %q, After %s != Before %s", res.ChangedRoots, res.After, res.Before)
		}
		return
	}
	// The patch is one compact JSON object that changes something.
	if !gjson.ValidBytes(res.Patch) || string(res.Patch) == "{}" || res.Patch[0] != '{' || !bytes.Equal(render.Compact(res.Patch), res.Patch) {
		t.Fatalf("bad patch %q", res.Patch)
	}
	pm := members(res.Patch)
	if len(pm) != len(res.ChangedRoots) {
		t.Fatalf("patch %s has %d keys, ChangedRoots %q", res.Patch, len(pm), res.ChangedRoots)
	}
	changed := map[string]bool{}
	for i, m := range pm {
		k := keyOf(res.Patch, m)
		if k != res.ChangedRoots[i] {
			t.Fatalf("patch key %d is %q, ChangedRoots %q", i, k, res.ChangedRoots)
		}
		changed[k] = true
		bv, found, _ := Get(res.Before, metapath.Path{k})
		pv := res.Patch[m.vs:m.ve]
		if found && Equal(bv, pv) {
			t.Fatalf("patch holds unchanged root %q: %s", k, pv)
		}
		if !found && string(pv) == "null" {
			t.Fatalf("patch removes absent root %q", k)
		}
	}
	// Roots not in the patch keep Before's exact bytes in After.
	bm := members(res.Before)
	for _, m := range bm {
		k := keyOf(res.Before, m)
		if changed[k] {
			continue
		}
		av, found, _ := Get(res.After, metapath.Path{k})
		bv, _, _ := Get(res.Before, metapath.Path{k})
		if !found || string(av) != string(bv) {
			t.Fatalf("untouched root %q changed from %s to %s", k, bv, av)
		}
	}
	// The whole-document diff agrees with the patch.
	rp, roots, err := RootDiff(res.Before, res.After)
	if err == nil {
		if !sameSet(roots, res.ChangedRoots) {
			t.Fatalf("RootDiff roots %q, Apply roots %q", roots, res.ChangedRoots)
		}
		if (rp == nil) != (res.Patch == nil) {
			t.Fatalf("RootDiff patch %s, Apply patch %s", rp, res.Patch)
		}
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]int{}
	for _, s := range a {
		m[s]++
	}
	for _, s := range b {
		m[s]--
	}
	for _, n := range m {
		if n != 0 {
			return false
		}
	}
	return true
}

// The walkthrough of Auth0's "Manage metadata with the Management API" page.
func TestSeedWalkthrough(t *testing.T) {
	doc := []byte(`{"hobby":"surfing"}`)
	res, err := Apply(doc, parseOps(t, []string{"addresses.home=123 Main Street, Anytown, ST 12345"}))
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	if got, want := string(res.Patch), `{"addresses":{"home":"123 Main Street, Anytown, ST 12345"}}`; got != want {
		t.Fatalf("step 1 patch = %s, want %s", got, want)
	}
	if got, want := string(res.After), `{"hobby":"surfing","addresses":{"home":"123 Main Street, Anytown, ST 12345"}}`; got != want {
		t.Fatalf("step 1 after = %s, want %s", got, want)
	}
	res, err = Apply(res.After, parseOps(t, []string{"addresses.work=100 Industrial Way, Anytown, ST 12345"}))
	if err != nil {
		t.Fatal(err)
	}
	checkInvariants(t, res)
	if got, want := string(res.Patch), `{"addresses":{"home":"123 Main Street, Anytown, ST 12345","work":"100 Industrial Way, Anytown, ST 12345"}}`; got != want {
		t.Fatalf("step 2 patch = %s, want %s", got, want)
	}
	if !reflect.DeepEqual(res.ChangedRoots, []string{"addresses"}) {
		t.Fatalf("step 2 roots = %q", res.ChangedRoots)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		ops     []string
		patch   string // "" = no patch
		after   string // "" = not checked
		roots   []string
		notes   []string
		wantErr string
	}{
		{name: "absent field is {}", doc: "", ops: []string{"a=b"}, patch: `{"a":"b"}`, after: `{"a":"b"}`, roots: []string{"a"}, notes: []string{NoteCreated}},
		{name: "null field is {}", doc: "null", ops: []string{"a=b"}, patch: `{"a":"b"}`, after: `{"a":"b"}`},
		{name: "whitespace field is {}", doc: " \n", ops: []string{"unset a"}, after: `{}`, notes: []string{NoteNotPresent}},
		{name: "string value stays a string", doc: `{}`, ops: []string{"zip=02134"}, patch: `{"zip":"02134"}`},
		{name: "numeric key where nothing exists", doc: `{}`, ops: []string{"ids.2313=x"}, patch: `{"ids":{"2313":"x"}}`},
		{name: "-1 where nothing exists creates an array", doc: `{}`, ops: []string{"tags.-1=a"}, patch: `{"tags":["a"]}`},
		{name: "-1 mid-path where nothing exists", doc: `{}`, ops: []string{"a.-1.b=x"}, patch: `{"a":[{"b":"x"}]}`},
		{name: "deep create under existing object", doc: `{"a":{"k":1}}`, ops: []string{"a.b.c.d:=true"}, patch: `{"a":{"k":1,"b":{"c":{"d":true}}}}`},
		{name: "-1 appends to array", doc: `{"tags":["a","b"]}`, ops: []string{"tags.-1=c"}, patch: `{"tags":["a","b","c"]}`, notes: []string{NoteAppended}},
		{name: "-1 appends object to array", doc: `{"t":[1]}`, ops: []string{"t.-1.n:=2"}, patch: `{"t":[1,{"n":2}]}`},
		{name: "-1 appends to empty array", doc: `{"t":[ ]}`, ops: []string{"t.-1:=1", "t.-1:=2"}, patch: `{"t":[1,2]}`},
		{name: "index replaces element", doc: `{"tags":["a","b"]}`, ops: []string{"tags.0=z"}, patch: `{"tags":["z","b"]}`, notes: []string{NoteReplaced}},
		{name: "index into nested array element", doc: `{"l":[{"x":1},{"x":2}]}`, ops: []string{"l.1.x:=3"}, patch: `{"l":[{"x":1},{"x":3}]}`},
		{name: "index past end is an error", doc: `{"tags":["a"]}`, ops: []string{"tags.1=z"}, wantErr: `index 1 is past the end of "tags", which has 1 element`},
		{name: "index past end of empty array", doc: `{"tags":[]}`, ops: []string{"tags.0=z"}, wantErr: "past the end"},
		{name: "key on an array is an error", doc: `{"tags":["a"]}`, ops: []string{"tags.foo=z"}, wantErr: `"tags" is an array and "foo" is not an index`},
		{name: "leading zeros are not an index", doc: `{"tags":["a"]}`, ops: []string{"tags.00=z"}, wantErr: "not an index"},
		{name: "numeric key on existing object", doc: `{"o":{"0":"zero"}}`, ops: []string{"o.0=x", "o.1=y"}, patch: `{"o":{"0":"x","1":"y"}}`},
		{name: "-1 on existing object is a key", doc: `{"o":{}}`, ops: []string{"o.-1=x"}, patch: `{"o":{"-1":"x"}}`},
		{name: "-1 at root is a key", doc: `{}`, ops: []string{"-1=x"}, patch: `{"-1":"x"}`},
		{name: "007 on object is a key", doc: `{"o":{"7":1}}`, ops: []string{"o.007:=2"}, patch: `{"o":{"7":1,"007":2}}`},
		{name: "below a string", doc: `{"hobby":"surfing"}`, ops: []string{"hobby.level=pro"}, wantErr: `cannot set "hobby.level": "hobby" is a string`},
		{name: "below null", doc: `{"a":{"b":null}}`, ops: []string{"a.b.c=1"}, wantErr: `"a.b" is null`},
		{name: "below a number", doc: `{"n":1}`, ops: []string{"n.x=1"}, wantErr: `"n" is a number`},
		{name: "below a boolean", doc: `{"b":false}`, ops: []string{"b.-1=1"}, wantErr: `"b" is a boolean`},
		{name: "below an array element scalar", doc: `{"t":["s"]}`, ops: []string{"t.0.x=1"}, wantErr: `"t.0" is a string`},
		{name: "replacing a whole object with a scalar is allowed", doc: `{"a":{"b":1}}`, ops: []string{"a=x"}, patch: `{"a":"x"}`},
		{name: "null below the root is a value", doc: `{"a":{"b":1}}`, ops: []string{"a.b:=null"}, patch: `{"a":{"b":null}}`},
		{name: "already set by meaning", doc: `{"a":1.0,"s":"\u0041"}`, ops: []string{"a:=1", "s=A", "a:=10e-1"}, after: `{"a":1.0,"s":"\u0041"}`, notes: []string{NoteAlreadySet, NoteAlreadySet}},
		{name: "already set object in other key order", doc: `{"p":{"a":1,"b":[1,2]}}`, ops: []string{`p:={"b":[1,2.0],"a":1}`}, notes: []string{NoteAlreadySet}},
		{name: "big integers differ", doc: `{"n":12345678901234567890}`, ops: []string{"n:=12345678901234567891"}, patch: `{"n":12345678901234567891}`},
		{name: "no-op plus change in the same root", doc: `{"p":{"x":1,"y":2}}`, ops: []string{"p.x:=1", "p.y:=3"}, patch: `{"p":{"x":1,"y":3}}`, notes: []string{NoteAlreadySet, NoteReplaced}},
		{name: "changed then restored", doc: `{"a":1,"b":2}`, ops: []string{"a:=5", "b:=3", "a:=1.0"}, patch: `{"b":3}`, after: `{"a":1,"b":3}`, roots: []string{"b"}},
		{name: "removed then restored", doc: `{"a":{"x":1}}`, ops: []string{"unset a", `a:={"x":1}`}, after: `{"a":{"x":1}}`},
		{name: "removed then set differently", doc: `{"a":1,"b":2}`, ops: []string{"unset a", "a=x"}, patch: `{"a":"x"}`, after: `{"a":"x","b":2}`},
		{name: "added then removed", doc: `{"b":2}`, ops: []string{"a=x", "unset a"}, after: `{"b":2}`, notes: []string{NoteCreated, NoteRemoved}},
		{name: "order of first change", doc: `{"a":1,"b":1}`, ops: []string{"b:=2", "c:=3", "a:=2", "b:=4"}, patch: `{"b":4,"c":3,"a":2}`, roots: []string{"b", "c", "a"}},
		{name: "unset root key", doc: `{"a":1,"b":2}`, ops: []string{"unset a"}, patch: `{"a":null}`, after: `{"b":2}`, notes: []string{NoteRemoved}},
		{name: "unset last root key", doc: `{"a":1}`, ops: []string{"unset a"}, patch: `{"a":null}`, after: `{}`},
		{name: "unset nested key", doc: `{"a":{"x":1,"y":2,"z":3}}`, ops: []string{"unset a.y"}, patch: `{"a":{"x":1,"z":3}}`},
		{name: "unset first nested key", doc: `{"a":{"x":1,"y":2}}`, ops: []string{"unset a.x"}, patch: `{"a":{"y":2}}`},
		{name: "unset only nested key", doc: `{"a":{"x":1}}`, ops: []string{"unset a.x"}, patch: `{"a":{}}`},
		{name: "unset array element shifts", doc: `{"t":["a","b","c"]}`, ops: []string{"unset t.1"}, patch: `{"t":["a","c"]}`},
		{name: "unset several elements: indices as read", doc: `{"t":["a","b","c"]}`, ops: []string{"unset t.0", "unset t.1"}, patch: `{"t":["c"]}`, notes: []string{NoteRemoved, NoteRemoved}},
		{name: "unset first and last elements", doc: `{"t":["a","b","c"]}`, ops: []string{"unset t.0", "unset t.2"}, patch: `{"t":["b"]}`},
		{name: "unset indices in any order", doc: `{"t":[0,1,2,3,4,5]}`, ops: []string{"unset t.4", "unset t.1", "unset t.5", "unset t.9"}, patch: `{"t":[0,2,3]}`, notes: []string{NoteRemoved, NoteRemoved, NoteRemoved, NoteNotPresent}},
		{name: "unset a path and its child", doc: `{"a":{"b":{"c":1}},"d":2}`, ops: []string{"unset a.b.c", "unset a", "unset a.b"}, patch: `{"a":null}`, after: `{"d":2}`, notes: []string{NoteRemoved, NoteRemoved, NoteRemoved}},
		{name: "unset a parent before its child", doc: `{"t":[{"x":1,"y":2},{"x":3}]}`, ops: []string{"unset t.0", "unset t.0.x", "unset t.1.x"}, patch: `{"t":[{}]}`},
		{name: "unset the same path twice reports once", doc: `{"a":1,"b":2}`, ops: []string{"unset a", "unset a", "unset c", "unset c"}, patch: `{"a":null}`, notes: []string{NoteRemoved, NoteNotPresent}},
		{name: "unset across objects and arrays", doc: `{"l":[{"k":[1,2,3]},{"k":[4]}],"o":{"p":[5,6]}}`, ops: []string{"unset l.0.k.0", "unset l.1", "unset o.p.1", "unset l.0.k.2", "unset o.p.0"}, patch: `{"l":[{"k":[2]}],"o":{"p":[]}}`},
		{name: "unset below a removed element", doc: `{"t":[[1,2],[3,4]]}`, ops: []string{"unset t.0.1", "unset t.0", "unset t.1.0"}, patch: `{"t":[[4]]}`},
		{name: "unset runs read the document as the sets left it", doc: `{"t":["a","b"]}`, ops: []string{"t.-1=c", "unset t.0", "unset t.1", "t.-1=d"}, patch: `{"t":["c","d"]}`},
		{name: "unset -1 on array in a batch", doc: `{"t":[1],"u":2}`, ops: []string{"unset u", "unset t.-1"}, wantErr: "only set takes it"},
		{name: "unset -1 key on object", doc: `{"o":{"-1":"x","0":"y"},"-1":"r"}`, ops: []string{"unset o.-1", "unset -1"}, patch: `{"o":{"0":"y"},"-1":null}`, notes: []string{NoteRemoved, NoteRemoved}},
		{name: "set twice reports one replace", doc: `{"hobby":"surfing"}`, ops: []string{"hobby=diving", "hobby=kiting"}, patch: `{"hobby":"kiting"}`, notes: []string{NoteReplaced}},
		{name: "set twice reports one create", doc: `{}`, ops: []string{"hobby=diving", "x=1", "hobby=kiting"}, patch: `{"hobby":"kiting","x":"1"}`, notes: []string{NoteCreated, NoteCreated}},
		{name: "set away and back reports already set", doc: `{"hobby":"surfing"}`, ops: []string{"hobby=diving", "hobby=surfing"}, notes: []string{NoteAlreadySet}},
		{name: "set twice below a set parent reports each", doc: `{}`, ops: []string{"a.b=1", `a:={}`, "a.b=2"}, patch: `{"a":{"b":"2"}}`, notes: []string{NoteCreated, NoteReplaced, NoteCreated}},
		{name: "set twice with -1 reports each", doc: `{"t":[]}`, ops: []string{"t.-1=a", "t.-1=b"}, patch: `{"t":["a","b"]}`, notes: []string{NoteAppended, NoteAppended}},
		{name: "set and unset of one path report each", doc: `{"a":1}`, ops: []string{"a:=2", "unset a", "a:=3"}, patch: `{"a":3}`, notes: []string{NoteReplaced, NoteRemoved, NoteCreated}},
		{name: "set too deep", doc: `{}`, ops: []string{"a.b:=" + strings.Repeat("[", 126) + strings.Repeat("]", 126)}, patch: `{"a":{"b":` + strings.Repeat("[", 126) + strings.Repeat("]", 126) + `}}`},
		{name: "unset missing", doc: `{"a":{"b":1}}`, ops: []string{"unset x", "unset a.c", "unset a.b.c"}, notes: []string{NoteNotPresent, NoteNotPresent, NoteNotPresent}},
		{name: "unset past end", doc: `{"t":[1]}`, ops: []string{"unset t.1", "unset t.x", "unset t.007"}, notes: []string{NoteNotPresent, NoteNotPresent, NoteNotPresent}},
		{name: "unset -1 on array is an error", doc: `{"t":[1]}`, ops: []string{"unset t.-1"}, wantErr: "only set takes it"},
		{name: "unset -1 on object is a key", doc: `{"o":{"-1":1,"k":2}}`, ops: []string{"unset o.-1"}, patch: `{"o":{"k":2}}`},
		{name: "unset -1 where nothing exists", doc: `{}`, ops: []string{"unset t.-1"}, notes: []string{NoteNotPresent}},
		{name: "an error stops everything", doc: `{"a":1}`, ops: []string{"b=1", "a.x=1"}, wantErr: `"a" is a number`},
		{
			name:  "untouched bytes survive",
			doc:   `{"n":1.0,"e":1.5e-07,"big":12345678901234567890,"s":"\u00e9\/","o":{"keep":1.50,"esc":"a\"b","ch":1,"z":-0.0E+1}}`,
			ops:   []string{"o.ch:=2"},
			patch: `{"o":{"keep":1.50,"esc":"a\"b","ch":2,"z":-0.0E+1}}`,
			after: `{"n":1.0,"e":1.5e-07,"big":12345678901234567890,"s":"\u00e9\/","o":{"keep":1.50,"esc":"a\"b","ch":2,"z":-0.0E+1}}`,
		},
		{
			name:  "pretty input keeps untouched layout, patch is one line",
			doc:   "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": { \"c\" : \"d\" }\n}",
			ops:   []string{"unset a.0", "b.e=f"},
			patch: `{"a":[2],"b":{"c":"d","e":"f"}}`,
			after: "{\n  \"a\": [2],\n  \"b\": {\"c\":\"d\",\"e\":\"f\"}\n}",
		},
		{name: "duplicate keys: first wins", doc: `{"a":1,"a":2}`, ops: []string{"a:=3"}, patch: `{"a":3}`, after: `{"a":3,"a":2}`},
		{name: "duplicate keys: unset removes all", doc: `{"a":1,"b":0,"a":2}`, ops: []string{"unset a"}, patch: `{"a":null}`, after: `{"b":0}`},
		{name: "escaped key in document matches", doc: `{"\u0061b":{"x":1}}`, ops: []string{"ab.x:=2"}, patch: `{"ab":{"x":2}}`, after: `{"\u0061b":{"x":2}}`},
		{name: "key with quote", doc: `{"q\"k":1}`, ops: []string{`q"k:=2`}, patch: `{"q\"k":2}`, after: `{"q\"k":2}`},
		{name: "empty object member insert", doc: `{"o":{ }}`, ops: []string{"o.x=1"}, patch: `{"o":{"x":"1"}}`},
		{name: "html kept literal", doc: `{}`, ops: []string{"h=<a&b>"}, patch: `{"h":"<a&b>"}`},
		{name: "field not an object", doc: `[1]`, ops: []string{"a=b"}, wantErr: "not a JSON object"},
		{name: "field not JSON", doc: `{"a":`, ops: []string{"a=b"}, wantErr: "not valid JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops := parseOps(t, tt.ops)
			res, err := Apply([]byte(tt.doc), ops)
			compareWithModel(t, tt.doc, ops, res, err)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				want := failure.Usage
				if strings.Contains(tt.name, "field not") {
					want = failure.General
				}
				if failure.CodeOf(err) != want {
					t.Fatalf("exit code %d, want %d", failure.CodeOf(err), want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			checkInvariants(t, res)
			if string(res.Patch) != tt.patch {
				t.Errorf("patch = %s, want %s", res.Patch, tt.patch)
			}
			if tt.patch == "" && (res != nil && res.Patch != nil) {
				t.Errorf("Changed() = true without a patch")
			}
			if tt.after != "" && string(res.After) != tt.after {
				t.Errorf("after = %s, want %s", res.After, tt.after)
			}
			if tt.roots != nil && !reflect.DeepEqual(res.ChangedRoots, tt.roots) {
				t.Errorf("roots = %q, want %q", res.ChangedRoots, tt.roots)
			}
			if tt.notes != nil {
				var notes []string
				for _, r := range res.Reports {
					notes = append(notes, r.Note)
					if r.Changed != isChange(r.Note) {
						t.Errorf("report %+v: Changed disagrees with note", r)
					}
				}
				if !reflect.DeepEqual(notes, tt.notes) {
					t.Errorf("notes = %q, want %q", notes, tt.notes)
				}
			}
		})
	}
}

// TestTrapKeys sets and unsets keys that gjson/sjson path syntax would
// misread, next to the keys a misreading would hit, and checks that only
// the intended key changed.
func TestTrapKeys(t *testing.T) {
	keys := []string{
		"0", "-1", "007", "a*b", "a?", "*", "?", "#tag", "#", "@home", "@this", "q?", "pipe|key", "|",
		":lead", ":", `back\slash`, `\`, "sp ace", " ", "ünï", "=eq", "!bang", "!true", `q"uote`, `"`,
		"a:b", "<lt>", "%", "tab\tkey", "nl\nkey", "(x)", "[0]", "{}", "~", "a,b",
	}
	const siblings = `"a":"A","ab":"AB","lead":"L","home":"H","tag":"T","this":"TH","0a":"Z","true":"TR",` +
		`"slash":"S","back":"B","key":"K","pipe":"P","":"E","q":"Q","b":"BB","x":"X"`
	for _, k := range keys {
		qk := string(metapath.QuoteJSON(k))
		doc := `{` + siblings + `,` + qk + `:"old","nest":{` + siblings + `,` + qk + `:"old"},"arr":[{` + qk + `:"old"}]}`
		paths := []metapath.Path{{k}, {"nest", k}, {"arr", "0", k}}
		if k != "-1" { // where nothing exists, -1 makes an array (TestApply)
			paths = append(paths, metapath.Path{"new", k})
		}
		for _, p := range paths {
			res, err := Apply([]byte(doc), []Op{{Kind: Set, Path: p, Value: []byte(`"new"`)}})
			if err != nil {
				t.Fatalf("set %q: %v", p, err)
			}
			checkInvariants(t, res)
			if got, _, _ := Get(res.After, p); string(got) != `"new"` {
				t.Errorf("set %q: value now %s", p, got)
			}
			want := strings.Replace(doc, qk+`:"old"`, qk+`:"new"`, 1)
			switch p[0] {
			case "nest":
				want = strings.Replace(doc, `,`+qk+`:"old"},"arr"`, `,`+qk+`:"new"},"arr"`, 1)
			case "arr":
				want = strings.Replace(doc, `[{`+qk+`:"old"}]`, `[{`+qk+`:"new"}]`, 1)
			case "new":
				want = strings.TrimSuffix(doc, "}") + `,"new":{` + qk + `:"new"}}`
			}
			if string(res.After) != want {
				t.Errorf("set %q changed more than its key:\n got %s\nwant %s", p, res.After, want)
			}
			if p[0] == "new" {
				continue
			}
			res, err = Apply([]byte(doc), []Op{UnsetOp(p)})
			if err != nil {
				t.Fatalf("unset %q: %v", p, err)
			}
			checkInvariants(t, res)
			if _, found, _ := Get(res.After, p); found {
				t.Errorf("unset %q: still there in %s", p, res.After)
			}
			if n := strings.Count(string(res.After), `"old"`); n != 2 {
				t.Errorf("unset %q removed more than one key: %s", p, res.After)
			}
			if !strings.Contains(string(res.After), `{`+siblings) {
				t.Errorf("unset %q disturbed siblings: %s", p, res.After)
			}
		}
	}
}

func TestApplyRefusesRootNullAndBadValues(t *testing.T) {
	for _, op := range []Op{
		{Kind: Set, Path: metapath.Path{"a"}, Value: []byte("null")},
		{Kind: Set, Path: metapath.Path{"a"}, Value: []byte("{")},
		{Kind: Set, Path: metapath.Path{"a"}, Value: nil},
		{Kind: Set, Path: nil, Value: []byte("1")},
		{Kind: Unset, Path: metapath.Path{}},
		{Kind: Set, Path: metapath.Path{"a.b"}, Value: []byte("1")},
		{Kind: Set, Path: metapath.Path{"x", "$y"}, Value: []byte("1")},
		{Kind: Set, Path: metapath.Path{"x", ""}, Value: []byte("1")},
		{Kind: Set, Path: metapath.Path{"x"}, Value: []byte(`{"k":{"a.b":1}}`)},
	} {
		if _, err := Apply([]byte(`{"a":1}`), []Op{op}); failure.CodeOf(err) != failure.Usage {
			t.Errorf("Apply(%+v) error = %v, want a usage error", op, err)
		}
	}
}

func TestApplyDoesNotModifyInput(t *testing.T) {
	in := []byte(`{"a":{"b":[1,2,3]},"c":"d"}`)
	orig := string(in)
	if _, err := Apply(in, parseOps(t, []string{"a.b.0:=9", "unset c", "a.x=y"})); err != nil {
		t.Fatal(err)
	}
	if string(in) != orig {
		t.Fatalf("input modified: %s", in)
	}
}

func TestGet(t *testing.T) {
	doc := `{"a":{"b":[10,{"c":"d"}],"0":"zero","-1":"m"},"s":"str","n":null,"dup":1,"dup":2,"e\u0073c":1.50}`
	tests := []struct {
		path    string
		raw     string
		found   bool
		wantErr string
	}{
		{"a.b.0", "10", true, ""},
		{"a.b.1.c", `"d"`, true, ""},
		{"a.b.1", `{"c":"d"}`, true, ""},
		{"a.0", `"zero"`, true, ""},
		{"a.-1", `"m"`, true, ""},
		{"n", "null", true, ""},
		{"dup", "1", true, ""},
		{"esc", "1.50", true, ""},
		{"a.b.2", "", false, ""},
		{"a.b.x", "", false, ""},
		{"a.b.00", "", false, ""},
		{"s.x", "", false, ""},
		{"n.x", "", false, ""},
		{"missing", "", false, ""},
		{"a.b.-1", "", false, "only set takes it"},
	}
	for _, tt := range tests {
		raw, found, err := Get([]byte(doc), metapath.MustParse(tt.path))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || failure.CodeOf(err) != failure.Usage {
				t.Errorf("Get(%s) error = %v, want usage error with %q", tt.path, err, tt.wantErr)
			}
			continue
		}
		if err != nil || found != tt.found || string(raw) != tt.raw {
			t.Errorf("Get(%s) = %s, %v, %v; want %s, %v", tt.path, raw, found, err, tt.raw, tt.found)
		}
	}
	if raw, found, err := Get(nil, nil); err != nil || !found || string(raw) != "{}" {
		t.Errorf("Get(nil, root) = %s, %v, %v", raw, found, err)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"": "{}", "null": "{}", " \n\t": "{}", " null ": "{}", ` {"a":1} `: `{"a":1}`} {
		got, err := Normalize([]byte(in))
		if err != nil || string(got) != want {
			t.Errorf("Normalize(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	if got, err := Normalize(nil); err != nil || string(got) != "{}" {
		t.Errorf("Normalize(nil) = %s, %v", got, err)
	}
	for _, in := range []string{"[]", `"s"`, "1", "true", "{", `{"a":1}x`} {
		if _, err := Normalize([]byte(in)); err == nil {
			t.Errorf("Normalize(%q) accepted", in)
		}
	}
}

func TestMergeRoot(t *testing.T) {
	tests := []struct{ doc, patch, want string }{
		{`{"bar":"baz","foo":"zoo"}`, `{"bar":null,"foo":"new","newBar":"x"}`, `{"foo":"new","newBar":"x"}`}, // recorded on a real tenant
		{`{"a":1,"b":2}`, `{}`, `{}`},
		{`{"a":1,"b":2}`, ``, `{"a":1,"b":2}`},
		{`{"a":1}`, `{"a":null}`, `{}`},
		{``, `{"a":{"x":1}}`, `{"a":{"x":1}}`},
		{`{"a":{"x":1,"y":2},"b":1.0}`, `{"a":{"z":3}}`, `{"a":{"z":3},"b":1.0}`},
		{`{"a":1}`, `{"gone":null}`, `{"a":1}`},
		{`{"a":1,"a":2}`, `{"a":null}`, `{}`},
	}
	for _, tt := range tests {
		got, err := MergeRoot([]byte(tt.doc), []byte(tt.patch))
		if err != nil || string(got) != tt.want {
			t.Errorf("MergeRoot(%s, %s) = %s, %v; want %s", tt.doc, tt.patch, got, err, tt.want)
		}
	}
	if _, err := MergeRoot([]byte(`{}`), []byte(`[1]`)); err == nil {
		t.Error("MergeRoot accepted an array patch")
	}
}

func TestRootDiff(t *testing.T) {
	tests := []struct {
		before, after string
		patch         string
		roots         []string
		wantErr       string
	}{
		{`{"a":1,"b":{"x":1,"y":2}}`, `{"b":{"y":2,"x":1.0},"a":1}`, "", nil, ""},
		{`{"a":1,"b":2}`, "{\n  \"a\": 1,\n  \"b\": [ 3 ],\n  \"c\": \"\\u00e9\"\n}", `{"b":[3],"c":"\u00e9"}`, []string{"b", "c"}, ""},
		{`{"a":1,"b":2}`, `{"b":2}`, `{"a":null}`, []string{"a"}, ""},
		{`{"a":1,"b":2}`, `{}`, `{"a":null,"b":null}`, []string{"a", "b"}, ""},
		{``, `{}`, "", nil, ""},
		{`{}`, ``, "", nil, "the edited metadata is empty, not a JSON object"},
		{`{"a":1}`, `null`, "", nil, "the edited metadata is null, not a JSON object"},
		{`{"a":1}`, " null\n", "", nil, "the edited metadata is null, not a JSON object"},
		{`{"a":1}`, `{"a":1,"b":2,"a":3}`, "", nil, `root key "a" appears twice in the edited metadata`},
		{`{"a":1}`, `{"a":1,"\u0061":1}`, "", nil, `root key "a" appears twice`},
		{`{}`, `{"x":{"k":1,"k":2}}`, "", nil, `key "k" appears twice in the same object (in "x")`},
		{`{}`, `{"x":[{"y":{"$k":1}}]}`, "", nil, `key "$k" in "x.0.y" holds '.' or '$'`},
		{`{}`, `{"x":` + strings.Repeat("[", 128) + strings.Repeat("]", 128) + `}`, "", nil, `the value for "x" nests 129 levels`},
		{`{}`, `{"x":` + strings.Repeat("[", 127) + strings.Repeat("]", 127) + `}`, `{"x":` + strings.Repeat("[", 127) + strings.Repeat("]", 127) + `}`, []string{"x"}, ""},
		{`{}`, `{"x":` + strings.Repeat("[", 100000) + strings.Repeat("]", 100000) + `}`, "", nil, `the value for "x" nests 100001 levels deep in the metadata; a0meta accepts at most 128`},
		{`{"n":12345678901234567890}`, `{"n":12345678901234567891}`, `{"n":12345678901234567891}`, []string{"n"}, ""},
		{`{"a":1}`, `{"a":null}`, "", nil, "Auth0 would delete it"},
		{`{"a":null}`, `{"a":null}`, "", nil, ""},
		{`{}`, `{"a.b":1}`, "", nil, "'.' or '$'"},
		{`{}`, `{"a":{"$x":1}}`, "", nil, "'.' or '$'"},
		{`{}`, `[1]`, "", nil, "not a JSON object"},
		{`{}`, `{`, "", nil, "not valid JSON"},
	}
	for _, tt := range tests {
		p, roots, err := RootDiff([]byte(tt.before), []byte(tt.after))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || failure.CodeOf(err) != failure.Usage {
				t.Errorf("RootDiff(%s, %s) error = %v, want usage error with %q", tt.before, tt.after, err, tt.wantErr)
			}
			continue
		}
		if err != nil || string(p) != tt.patch || !reflect.DeepEqual(roots, tt.roots) {
			t.Errorf("RootDiff(%s, %s) = %s, %q, %v; want %s, %q", tt.before, tt.after, p, roots, err, tt.patch, tt.roots)
		}
		if err == nil && p != nil {
			merged, _ := MergeRoot([]byte(tt.before), p)
			if !Equal(merged, []byte(tt.after)) {
				t.Errorf("RootDiff(%s, %s): merge gives %s", tt.before, tt.after, merged)
			}
		}
	}
}

func TestEqual(t *testing.T) {
	eq := [][2]string{
		{`1`, `1.0`}, {`1`, `1e0`}, {`1`, `10e-1`}, {`1`, `0.1e1`}, {`1`, `1E+0`}, {`0`, `-0`}, {`0`, `0.000e5`}, {`-0.0`, `0e-99999999999999999999`},
		{`100`, `1e2`}, {`1.5e-07`, `0.00000015`}, {`12345678901234567890`, `1234567890123456789e1`},
		{`1e99999999999999999999`, `10e99999999999999999998`},
		{`"A"`, `"\u0041"`}, {`"é/"`, `"\u00e9\/"`}, {`"😀"`, `"\ud83d\ude00"`},
		{`{"a":1,"b":[1,{"c":2}]}`, ` { "b" : [ 1.0 , {"c":2e0} ] , "a" : 1 } `},
		{`{"a":1,"a":2}`, `{"a":1}`}, {`[]`, `[ ]`}, {`{}`, `{ }`}, {`null`, ` null`},
		{`"\ud800"`, `"\uD800"`}, {`"x\udc00y"`, `"\u0078\udc00\u0079"`}, {`{"\ud800":1}`, `{"\uD800":1.0}`},
		{`"\ud83d\ude00\ud800"`, `"😀\ud800"`}, {`"\ufffd"`, `"�"`},
		{`[` + strings.Repeat("[", 200) + `1.0` + strings.Repeat("]", 200) + `]`, `[ ` + strings.Repeat("[", 200) + `1.0` + strings.Repeat("]", 200) + `]`},
	}
	ne := [][2]string{
		{`12345678901234567890`, `12345678901234567891`}, {`1`, `-1`}, {`1`, `"1"`}, {`1`, `2`}, {`1`, `10`}, {`0.1`, `1`},
		{`1e99999999999999999999`, `1e99999999999999999998`}, {`"a"`, `"A"`}, {`"a"`, `"\u0061b"`},
		{`[1,2]`, `[2,1]`}, {`[1]`, `[1,1]`}, {`{"a":1}`, `{"a":1,"b":1}`}, {`{"a":1}`, `{"b":1}`},
		{`true`, `false`}, {`null`, `false`}, {`{}`, `[]`}, {`null`, `{}`}, {`{"a":null}`, `{}`},
		{`{`, `[`}, {`1`, `1 2`}, {`{"a":1,"a":2}`, `{"a":2}`},
		{`"\ud800"`, `"\udc00"`}, {`"\ud800"`, `"\ufffd"`}, {`"\udc00"`, `"�"`}, {`"a\ud800"`, `"a\udbff"`},
		{`{"\ud800":1}`, `{"\udc00":1}`}, {`["\ud800"]`, `["\udc00"]`},
		{`"\ud800\udc00"`, `"\udc00\ud800"`},
		// Deeper than metapath.MaxDepth: compared by compacted bytes.
		{`[` + strings.Repeat("[", 200) + `1.0` + strings.Repeat("]", 200) + `]`, `[` + strings.Repeat("[", 200) + `1` + strings.Repeat("]", 200) + `]`},
	}
	for _, c := range eq {
		if !Equal([]byte(c[0]), []byte(c[1])) || !Equal([]byte(c[1]), []byte(c[0])) {
			t.Errorf("Equal(%s, %s) = false, want true", c[0], c[1])
		}
	}
	for _, c := range ne {
		if Equal([]byte(c[0]), []byte(c[1])) || Equal([]byte(c[1]), []byte(c[0])) {
			t.Errorf("Equal(%s, %s) = true, want false", c[0], c[1])
		}
	}
}

func TestClientRules(t *testing.T) {
	long := strings.Repeat("x", 256)
	ok := []string{
		``, `{}`, `{"a":"b"}`, `{"Key 1\t:,-+=_*?\"/\\()<>@":"v"}`,
		`{"k":"` + strings.Repeat("é", 255) + `"}`,
		`{"1":"a","2":"a","3":"a","4":"a","5":"a","6":"a","7":"a","8":"a","9":"a","10":"a"}`,
	}
	bad := map[string]string{
		`{"a":1}`:              "values must be strings",
		`{"a":{"b":"c"}}`:      "values must be strings",
		`{"a":null}`:           "values must be strings",
		`{"a.b":"c"}`:          "not allowed",
		`{"ünï":"c"}`:          "not allowed",
		`{"a!":"c"}`:           "not allowed",
		`{"a":"` + long + `"}`: "at most 255",
		`{"` + long + `":"v"}`: "at most 255",
		`{"1":"a","2":"a","3":"a","4":"a","5":"a","6":"a","7":"a","8":"a","9":"a","10":"a","11":"a"}`: "11 keys",
		`[1]`: "not a JSON object",
	}
	for _, s := range ok {
		if err := CheckClientMetadata([]byte(s)); err != nil {
			t.Errorf("CheckClientMetadata(%s) = %v", s, err)
		}
	}
	for s, want := range bad {
		err := CheckClientMetadata([]byte(s))
		if err == nil || !strings.Contains(err.Error(), want) || failure.CodeOf(err) != failure.Usage {
			t.Errorf("CheckClientMetadata(%.40s) = %v, want usage error with %q", s, err, want)
		}
	}
	if err := CheckClientPath(metapath.Path{"a"}); err != nil {
		t.Errorf("CheckClientPath(a) = %v", err)
	}
	if err := CheckClientPath(metapath.Path{"a", "b"}); err == nil || !strings.Contains(err.Error(), "client_metadata is flat") {
		t.Errorf("CheckClientPath(a.b) = %v", err)
	}
}

// Messages built from paths and keys escape control characters, so a path
// holding ESC cannot repaint the terminal.
func TestMessagesEscapeControlCharacters(t *testing.T) {
	esc := "k\x1b[31m"
	cases := []struct {
		doc string
		ops []Op
	}{
		{`{"k\u001b[31m":"s"}`, []Op{{Kind: Set, Path: metapath.Path{esc, "x"}, Value: []byte("1")}}},
		{`{"t":[1]}`, []Op{{Kind: Set, Path: metapath.Path{"t", esc}, Value: []byte("1")}}},
		{`{"t":[1]}`, []Op{{Kind: Set, Path: metapath.Path{"t", "5"}, Value: []byte("1")}, {Kind: Set, Path: metapath.Path{esc}, Value: []byte("1")}}},
		{`{}`, []Op{{Kind: Set, Path: metapath.Path{esc}, Value: []byte("null")}}},
		{`{}`, []Op{{Kind: Set, Path: metapath.Path{esc, "a$"}, Value: []byte("1")}}},
		{`{}`, []Op{{Kind: Set, Path: metapath.Path{esc}, Value: []byte(`{"` + "\\u001b" + `":1,"` + "\\u001b" + `":2}`)}}},
		{`{"k\u001b[31m":[1]}`, []Op{UnsetOp(metapath.Path{esc, "-1"})}},
	}
	for _, c := range cases {
		_, err := Apply([]byte(c.doc), c.ops)
		if err == nil {
			t.Fatalf("Apply(%s, %q) = nil error", c.doc, opsText(c.ops))
		}
		if strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("Apply(%s, %q) error carries ESC: %q", c.doc, opsText(c.ops), err.Error())
		}
	}
	for _, doc := range []string{"{\"a\":1,\"a\x1b\":\x1b}", `{"k\u001b":1,"k\u001b":2}`, `{"k":{"\u001b":1,"\u001b":2}}`, `{"\u001b.":1}`} {
		_, _, err := RootDiff([]byte(`{}`), []byte(doc))
		if err == nil || strings.ContainsRune(err.Error(), '\x1b') {
			t.Errorf("RootDiff(%q) error = %q", doc, err)
		}
	}
}
