package service

import (
	"container/list"
	"sync"
)

// recordCache keeps decoded version records by their stored bytes. A stored
// record's bytes fully determine its value, so a hit is always right whatever
// changed meanwhile (a changed record has other bytes), and reads that decode
// the same records again and again (the position, lists) skip the JSON
// decoding. Cached values are shared: callers copy before changing a field and
// never write through their slices or pointers.
type recordCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // front: most recently used
	byKey map[string]*list.Element
}

type cached struct {
	key string
	rec VersionRecord
}

func newRecordCache(max int) *recordCache {
	return &recordCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *recordCache) get(data []byte) (VersionRecord, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.byKey[string(data)]; ok {
		c.order.MoveToFront(e)
		return e.Value.(*cached).rec, true
	}
	return VersionRecord{}, false
}

func (c *recordCache) put(data []byte, rec VersionRecord) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := string(data)
	if _, ok := c.byKey[key]; ok {
		return
	}
	c.byKey[key] = c.order.PushFront(&cached{key: key, rec: rec})
	if c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*cached).key)
	}
}
