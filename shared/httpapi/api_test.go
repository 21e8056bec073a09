package httpapi_test

import (
	"testing"

	"github.com/regional-data-exchange/rdx/shared/apitest"
)

// The whole API suite on the embedded backend (bbolt and files).
func TestAPIOnEmbeddedStore(t *testing.T) {
	apitest.Run(t, embedded)
}

func embedded(t *testing.T) apitest.Backend { return apitest.Embedded(t, t.TempDir()) }
