package metaops

import "context"

// Recorder hears about every PATCH that Send makes: Record is called before
// the request, and the finish function it returns after the answer (nil
// for success). An error from Record stops the write before anything is
// sent, so no change goes out unrecorded.
type Recorder interface {
	Record(ctx context.Context, w Write) (finish func(error), err error)
}

// Write is one PATCH about to be sent.
type Write struct {
	Target Target
	// Before is the whole field as read before the change ("{}" when absent).
	Before []byte
	// Roots are the root keys the PATCH touches, in the body's order.
	Roots []string
	// Body is the exact PATCH body.
	Body []byte
}

type recorderKey struct{}

// WithRecorder returns a context under which Send reports to r. Bulk
// runs, undo and single writes all send through Send, so one recorder in
// the command's context sees every write.
func WithRecorder(ctx context.Context, r Recorder) context.Context {
	return context.WithValue(ctx, recorderKey{}, r)
}

func recorderFrom(ctx context.Context) Recorder {
	r, _ := ctx.Value(recorderKey{}).(Recorder)
	return r
}

// writeOf describes a planned change for a Recorder.
func writeOf(res *ChangeResult) Write {
	w := Write{Target: res.Target, Body: res.Body, Before: []byte("{}")}
	if res.Edit != nil {
		if res.Edit.Before != nil {
			w.Before = res.Edit.Before
		}
		w.Roots = res.Edit.ChangedRoots
	}
	return w
}
