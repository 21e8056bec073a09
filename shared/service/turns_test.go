package service

import (
	"context"
	"testing"
	"time"
)

// One record's writers take turns: the second waits until the first ends
// its turn, and is told it waited (so it reads again); a record nobody
// holds or waits for is forgotten; a writer whose request ends stops
// waiting.
func TestKeyTurns(t *testing.T) {
	s := &Service{}
	ctx := t.Context()
	end, waited, err := s.KeyTurn(ctx, "a")
	if err != nil || waited {
		t.Fatalf("first: waited %v, %v", waited, err)
	}
	got := make(chan bool)
	go func() {
		end2, waited2, err := s.KeyTurn(ctx, "a")
		if err != nil {
			t.Error(err)
		}
		got <- waited2
		end2()
	}()
	otherEnd, otherWaited, _ := s.KeyTurn(ctx, "b") // another record does not wait
	if otherWaited {
		t.Error("another record's writer waited")
	}
	otherEnd()
	select {
	case <-got:
		t.Fatal("the second writer did not wait for the first")
	case <-time.After(50 * time.Millisecond):
	}
	end()
	if !<-got {
		t.Error("the second writer was not told it waited")
	}
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	end, _, _ = s.KeyTurn(ctx, "c")
	if _, _, err := s.KeyTurn(short, "c"); err == nil {
		t.Error("a writer whose request ended got the turn")
	}
	end()
	s.turns.mu.Lock()
	defer s.turns.mu.Unlock()
	if n := len(s.turns.keys); n != 0 {
		t.Errorf("%d records' turns kept after every writer left", n)
	}
}
