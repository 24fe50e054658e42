package history

import (
	"context"
	"fmt"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/metaops"
	"github.com/tidwall/gjson"
)

// Recorder records metaops writes in a Log, as metaops.Recorder.
type Recorder struct {
	Log     *Log
	Profile string
	Domain  string
	// Warn hears about a completion record that could not be written.
	Warn func(msg string)
}

// Record appends the intent record of w. When that fails the write is
// refused: a change that cannot be undone is not made silently.
func (r *Recorder) Record(ctx context.Context, w metaops.Write) (func(error), error) {
	roots := w.Roots
	if len(roots) == 0 {
		// A body that does not say its roots: every key of its field.
		gjson.GetBytes(w.Body, w.Target.Kind.Field()).ForEach(func(k, _ gjson.Result) bool {
			roots = append(roots, k.String())
			return true
		})
	}
	before, err := BeforeOf(w.Before, roots)
	if err != nil {
		return nil, err
	}
	tags := TagsFrom(ctx)
	e := Entry{
		Profile: r.Profile, Domain: r.Domain,
		Kind: w.Target.Kind.Noun(), Target: w.Target.ID, Field: w.Target.Kind.Field(),
		Before: before, Body: w.Body, Run: tags.Run, Undoes: tags.Undoes,
	}
	if w.Target.Input != w.Target.ID {
		e.Input = w.Target.Input
	}
	id, err := r.Log.Begin(e)
	if err != nil {
		return nil, failure.Wrap(failure.General, err, "nothing sent: the change could not be recorded (--no-history, or `history: {enabled: false}` in the config file, writes without recording)")
	}
	return func(cause error) {
		if err := r.Log.FinishRun(id, tags.Run, cause); err != nil && r.Warn != nil {
			r.Warn(fmt.Sprintf("the outcome of history entry %s was not recorded: %v", id, err))
		}
	}, nil
}
