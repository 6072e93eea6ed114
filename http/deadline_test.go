package http

import (
	"context"
	"errors"
	"testing"
	"time"
)

// withLazyDeadline behaves as context.WithDeadline, whether or not
// anything waits on it.
func TestLazyDeadline(t *testing.T) {
	type key struct{}
	closed := func(c context.Context) bool {
		select {
		case <-c.Done():
			return true
		default:
			return false
		}
	}
	t.Run("unwatched, the deadline passes", func(t *testing.T) {
		ctx, release := withLazyDeadline(context.WithValue(context.Background(), key{}, "v"), time.Now().Add(30*time.Millisecond))
		defer release()
		if ctx.Err() != nil || ctx.Value(key{}) != "v" {
			t.Fatalf("before the deadline: %v, %v", ctx.Err(), ctx.Value(key{}))
		}
		time.Sleep(40 * time.Millisecond)
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
			t.Fatalf("after the deadline: %v", ctx.Err())
		}
		if !closed(ctx) {
			t.Fatal("Done after the deadline is not closed")
		}
	})
	t.Run("watched, Done closes at the deadline", func(t *testing.T) {
		ctx, release := withLazyDeadline(context.Background(), time.Now().Add(30*time.Millisecond))
		defer release()
		child, cancel := context.WithCancel(ctx)
		defer cancel()
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Fatal("Done did not close")
		}
		if !errors.Is(ctx.Err(), context.DeadlineExceeded) || !errors.Is(context.Cause(ctx), context.DeadlineExceeded) {
			t.Fatalf("Err %v, Cause %v", ctx.Err(), context.Cause(ctx))
		}
		select {
		case <-child.Done(): // a child is cancelled with it
		case <-time.After(5 * time.Second):
			t.Fatal("a child of the context was not cancelled at the deadline")
		}
	})
	t.Run("the parent is cancelled", func(t *testing.T) {
		for _, watched := range []bool{false, true} {
			parent, cancelParent := context.WithCancel(context.Background())
			ctx, release := withLazyDeadline(parent, time.Now().Add(time.Hour))
			if watched {
				ctx.Done()
			}
			cancelParent()
			if !errors.Is(ctx.Err(), context.Canceled) {
				t.Fatalf("watched %v: Err %v", watched, ctx.Err())
			}
			select {
			case <-ctx.Done():
			case <-time.After(5 * time.Second):
				t.Fatalf("watched %v: Done did not close", watched)
			}
			release()
		}
	})
	t.Run("released", func(t *testing.T) {
		for _, watched := range []bool{false, true} {
			ctx, release := withLazyDeadline(context.Background(), time.Now().Add(time.Hour))
			if watched {
				ctx.Done()
			}
			release()
			if !errors.Is(ctx.Err(), context.Canceled) || !closed(ctx) {
				t.Fatalf("watched %v: Err %v, Done closed %v", watched, ctx.Err(), closed(ctx))
			}
		}
	})
	t.Run("the earlier deadline wins", func(t *testing.T) {
		soon := time.Now().Add(time.Minute)
		parent, cancel := context.WithDeadline(context.Background(), soon)
		defer cancel()
		ctx, release := withLazyDeadline(parent, soon.Add(time.Hour))
		defer release()
		if d, ok := ctx.Deadline(); !ok || !d.Equal(soon) {
			t.Fatalf("Deadline %v %v, want the parent's %v", d, ok, soon)
		}
		later := time.Now().Add(2 * time.Hour)
		ctx, release = withLazyDeadline(context.Background(), later)
		defer release()
		if d, ok := ctx.Deadline(); !ok || !d.Equal(later) {
			t.Fatalf("Deadline %v %v, want %v", d, ok, later)
		}
	})
}

// BenchmarkRequestContext compares the two ways of giving a request its
// deadline, when nothing waits on it.
func BenchmarkRequestContext(b *testing.B) {
	parent, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.Run("WithDeadline", func(b *testing.B) {
		for b.Loop() {
			ctx, release := context.WithDeadline(parent, time.Now().Add(30*time.Second))
			_ = ctx.Err()
			release()
		}
	})
	b.Run("withLazyDeadline", func(b *testing.B) {
		for b.Loop() {
			ctx, release := withLazyDeadline(parent, time.Now().Add(30*time.Second))
			_ = ctx.Err()
			release()
		}
	})
}

// TestLazyDeadlineValue: the value a deadlineContext carries is found
// before it is armed, after, and from a child context, and other keys
// still reach the parent.
func TestLazyDeadlineValue(t *testing.T) {
	type k struct{}
	type parentKey struct{}
	parent := context.WithValue(context.Background(), parentKey{}, "p")
	var c deadlineContext
	c.init(parent, time.Now().Add(time.Hour), k{}, "v")
	defer c.release()
	check := func(stage string, ctx context.Context) {
		t.Helper()
		if ctx.Value(k{}) != "v" || ctx.Value(parentKey{}) != "p" {
			t.Fatalf("%s: values %v, %v; want v, p", stage, ctx.Value(k{}), ctx.Value(parentKey{}))
		}
	}
	check("unarmed", &c)
	if c.armed.Load() != nil {
		t.Fatal("armed by a Value")
	}
	child, cancel := context.WithCancel(&c) // arms it: the child watches Done
	defer cancel()
	check("armed", &c)
	check("child", child)
}

// withLazyDeadline is context.WithDeadline made with a deadlineContext:
// what the tests compare.
func withLazyDeadline(parent context.Context, deadline time.Time) (context.Context, context.CancelFunc) {
	c := &deadlineContext{}
	c.init(parent, deadline, nil, nil)
	return c, c.release
}
