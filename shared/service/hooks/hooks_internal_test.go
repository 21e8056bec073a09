package hooks

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/webhook"
)

// A secret is stored sealed: its text is nowhere in the stored form, it
// opens for its own webhook under the same key, and not for another
// webhook nor under another key.
func TestSecretsAreSealed(t *testing.T) {
	h := New(Deps{Key: bytes.Repeat([]byte("k"), 32)})
	secret, err := webhook.GenerateSecret()
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := h.seal("west-wales", "W1", secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, strings.TrimPrefix(secret.Reveal(), webhook.SecretPrefix)) {
		t.Fatal("the sealed form holds the secret")
	}
	got, err := h.open("west-wales", "W1", sealed)
	if err != nil || got.Reveal() != secret.Reveal() {
		t.Fatalf("opened %v, %v", got, err)
	}
	if _, err := h.open("west-wales", "W2", sealed); err == nil {
		t.Error("a secret sealed for one webhook opens for another")
	}
	other := New(Deps{Key: bytes.Repeat([]byte("o"), 32)})
	if _, err := other.open("west-wales", "W1", sealed); err == nil {
		t.Error("a secret opens under another deployment's key")
	}
	if _, err := New(Deps{Key: []byte("short")}).seal("west-wales", "W1", secret); err == nil {
		t.Error("a key under 32 bytes seals")
	}
}

// A webhook is sent an event of a type it asked for, after its
// registration, that its owner may read: a partner's its own slice's only.
func TestSubscribes(t *testing.T) {
	region := Webhook{Events: []string{service.EventVersionCreated, service.EventPeriodLocked}, After: 3}
	partner := region
	partner.Partner = "carmarthenshire"
	ev := func(seq int64, typ, p string) service.Event { return service.Event{Seq: seq, Type: typ, Partner: p} }
	for _, c := range []struct {
		w    Webhook
		ev   service.Event
		want bool
	}{
		{region, ev(4, service.EventVersionCreated, "ceredigion"), true},
		{region, ev(4, service.EventPeriodLocked, ""), true},
		{region, ev(3, service.EventVersionCreated, "ceredigion"), false}, // before it was registered
		{region, ev(4, service.EventReturnSigned, "ceredigion"), false},   // a type it did not ask for
		{partner, ev(4, service.EventVersionCreated, "carmarthenshire"), true},
		{partner, ev(4, service.EventVersionCreated, "ceredigion"), false}, // another partner's
		{partner, ev(4, service.EventPeriodLocked, ""), false},             // the region's own
	} {
		if got := c.w.Subscribes(c.ev); got != c.want {
			t.Errorf("webhook of %q, event %+v: %v, want %v", c.w.Partner, c.ev, got, c.want)
		}
	}
	disabled := region
	disabled.Disabled = &Disabled{At: time.Now(), Status: 410}
	if disabled.Subscribes(ev(4, service.EventVersionCreated, "ceredigion")) {
		t.Error("a disabled webhook subscribes")
	}
}

// The webhook-id names the webhook and the event, and only its own
// webhook's delivery ids are read back.
func TestDeliveryIDs(t *testing.T) {
	id := DeliveryID("W1", 42)
	if n, ok := parseDeliveryID("W1", id); !ok || n != 42 {
		t.Errorf("%s reads %d %v", id, n, ok)
	}
	for _, bad := range []string{DeliveryID("W2", 42), "msg_W1_042", "msg_W1_0", "msg_W1_x", "msg_W1_"} {
		if _, ok := parseDeliveryID("W1", bad); ok {
			t.Errorf("%s read as W1's", bad)
		}
	}
}
