package receipt

import "github.com/gowebpki/jcs"

// Match says how a kept document matched its receipt.
type Match string

const (
	// MatchRaw: the exact bytes that were sent; their SHA-256 is the
	// receipt's rawSha256.
	MatchRaw Match = "raw"
	// MatchContent: the same document, whatever its layout; the SHA-256 of
	// its RFC 8785 form is the receipt's contentSha256.
	MatchContent Match = "content"
)

// CheckDocument checks a document a partner kept against the statement of
// its receipt. The partner may have kept the exact bytes it sent, compared
// with rawSha256, or the document as the service stored it (as a read of
// the version gives it back, in any layout), whose canonical form is
// compared with contentSha256; either is enough. The exact bytes are
// tried first.
//
// The canonical form is made here by github.com/gowebpki/jcs, not by the
// service's own shared/jsonx: a verifier that shared the service's code
// would share its mistakes, and the two are tested to agree.
func CheckDocument(st *Statement, data []byte) (Match, error) {
	if st.RawSHA256 == "" && st.ContentSHA256 == "" {
		return "", fail(ReasonCannotCheck, "this receipt (%s) names no document, so there is nothing to compare", st.Action)
	}
	if st.RawSHA256 != "" && Hash(data) == st.RawSHA256 {
		return MatchRaw, nil
	}
	canon, cerr := jcs.Transform(data)
	if st.ContentSHA256 != "" && cerr == nil && Hash(canon) == st.ContentSHA256 {
		return MatchContent, nil
	}
	switch {
	case st.ContentSHA256 == "":
		return "", fail(ReasonContent, "the document's SHA-256 is not the receipt's rawSha256 %s", st.RawSHA256)
	case cerr != nil:
		return "", fail(ReasonContent, "the document is not the bytes the receipt names, and it is not JSON that can be put in canonical form (%v)", cerr)
	}
	return "", fail(ReasonContent, "neither the document's bytes nor its canonical form have the SHA-256 the receipt names (content %s)", st.ContentSHA256)
}
