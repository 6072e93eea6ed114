package feature

import "sync"

// statePool lends States to one-off profiles so that a busy API does not
// allocate a State's slices on every request.
var statePool = sync.Pool{New: func() any { return NewState() }}
