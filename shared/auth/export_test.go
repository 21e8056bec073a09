package auth

import "time"

// SetMemoClock sets the clock a Memo reads expiry by.
func SetMemoClock(m *Memo, now func() time.Time) { m.now = now }

// MemoLen is how many tokens a Memo remembers.
func MemoLen(m *Memo) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen)
}
