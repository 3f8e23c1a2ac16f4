package fake

// Failures is a queue of planned job failures, each with what the failed
// job reports (a code and reason, a message, or nothing). A fake's
// FailNextMigrations adds to it; each migration the fake accepts takes one.
// It is not safe for concurrent use on its own: the fakes hold their lock.
type Failures[T any] struct {
	q []planned[T]
}

type planned[T any] struct {
	left int
	v    T
}

// Add makes the next n jobs fail with v, after those already planned;
// n <= 0 cancels every planned failure.
func (f *Failures[T]) Add(n int, v T) {
	if n <= 0 {
		f.q = nil
		return
	}
	f.q = append(f.q, planned[T]{left: n, v: v})
}

// Take uses up one planned failure and returns what it reports; ok is
// false when none is planned.
func (f *Failures[T]) Take() (v T, ok bool) {
	if len(f.q) == 0 {
		return v, false
	}
	p := &f.q[0]
	v = p.v
	if p.left--; p.left <= 0 {
		f.q = f.q[1:]
	}
	return v, true
}
