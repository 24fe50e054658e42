package history

import (
	"cmp"
	"slices"
	"strings"

	"github.com/a0meta/a0meta/pkg/metapath"
	"github.com/tidwall/gjson"
)

// RunTargets turns the entries of one bulk run into one entry per target,
// for `undo --run`: each root key's before-value comes from the oldest
// write of the run that touched it, and what the run left from the newest,
// so undoing the composed entry is undoing the run's writes newest first,
// in one PATCH per target. Writes known done are composed; a target with
// none is represented by its newest write, which PlanUndo treats as either
// applied or not. Targets come newest first; Run and the id of the newest
// write are kept.
func RunTargets(entries []Entry, run string) []Entry {
	type group struct {
		done, all []Entry
	}
	groups := map[string]*group{}
	var order []string
	for _, e := range entries {
		if e.Run != run || run == "" {
			continue
		}
		key := e.Domain + "\x00" + e.Field + "\x00" + e.Kind + "\x00" + e.Target
		g := groups[key]
		if g == nil {
			g = &group{}
			groups[key] = g
			order = append(order, key)
		}
		g.all = append(g.all, e)
		if e.Status == StatusDone {
			g.done = append(g.done, e)
		}
	}
	// Newest first: by each target's newest write.
	last := map[string]int{}
	for i, e := range entries {
		if e.Run == run {
			last[e.Domain+"\x00"+e.Field+"\x00"+e.Kind+"\x00"+e.Target] = i
		}
	}
	sortByDesc(order, last)
	out := make([]Entry, 0, len(order))
	for _, k := range order {
		g := groups[k]
		if len(g.done) == 0 {
			out = append(out, g.all[len(g.all)-1])
			continue
		}
		out = append(out, compose(g.done))
	}
	return out
}

// sortByDesc orders keys by at, highest first; the positions are distinct,
// so the order is total. The input is mostly ascending (one write per
// target, in run order): n log n, where an insertion sort is quadratic.
func sortByDesc(keys []string, at map[string]int) {
	slices.SortFunc(keys, func(a, b string) int { return cmp.Compare(at[b], at[a]) })
}

// compose folds a target's writes, oldest first, into one entry.
func compose(es []Entry) Entry {
	if len(es) == 1 {
		return es[0]
	}
	newest := es[len(es)-1]
	var roots []string
	before := map[string]string{}
	left := map[string]string{} // raw value, "" for absent
	for _, e := range es {
		field := gjson.GetBytes(e.Body, e.Field)
		gjson.ParseBytes(e.Before).ForEach(func(k, v gjson.Result) bool {
			r := k.String()
			if _, seen := before[r]; !seen {
				before[r] = v.Raw
				roots = append(roots, r)
			}
			lv := field.Get(metapath.Path{r}.GJSON())
			if lv.Exists() && lv.Type != gjson.Null {
				left[r] = lv.Raw
			} else {
				left[r] = ""
			}
			return true
		})
	}
	var b, body []string
	for _, r := range roots {
		q := string(metapath.QuoteJSON(r))
		b = append(b, q+":"+before[r])
		v := left[r]
		if v == "" {
			v = "null"
		}
		body = append(body, q+":"+v)
	}
	c := newest
	c.Before = []byte("{" + strings.Join(b, ",") + "}")
	c.Body = []byte(`{"` + newest.Field + `":{` + strings.Join(body, ",") + `}}`)
	return c
}
