package main

import "github.com/regional-data-exchange/rdx/shared/receipt"

// explain says what each failure means, for the person who has to act on
// it: a finance officer, an auditor, an analyst.
var explain = map[receipt.Reason]string{
	receipt.ReasonMalformed: "This is not a signed file in the form the service issues. It may be damaged, cut short, " +
		"or a different kind of file.",
	receipt.ReasonAlgorithm: "It is signed by a method the service never uses (only ES256 is accepted). " +
		"A genuine receipt is never signed this way: treat it as forged.",
	receipt.ReasonUnknownKey: "It was signed with a key that is not in your saved key set. Either the service did not sign it, " +
		"or your key set is older than the key: save the key set again from the service and check again.",
	receipt.ReasonSignature: "The signature does not match what was signed: something was changed after the service " +
		"signed it, or it was not signed with the key it names.",
	receipt.ReasonWrongType: "It is a genuine signed file of another kind (for example an export manifest given where a " +
		"receipt was expected), so it does not prove what is being checked.",
	receipt.ReasonContent: "The document is not the one the receipt was issued for: neither its exact bytes nor its " +
		"content are what the service received. It was changed, or it is another document or version.",
	receipt.ReasonRaw: "The file is not the exact bytes the receipt was issued for.",
	receipt.ReasonChainBroken: "A receipt or record does not follow on from the one before it: one was changed or " +
		"replaced, or the series was split in two.",
	receipt.ReasonSequence: "The numbering has a gap, a repeat or is out of order: a receipt or record was removed, " +
		"added or moved.",
	receipt.ReasonOtherChain: "The series mixes receipts or records of different series (another partner's, or the " +
		"region's own).",
	receipt.ReasonRecordEdited: "An audit record was changed after it was written: its content no longer has the hash " +
		"it was written with.",
	receipt.ReasonHeadMismatch: "The signed last line of the audit export does not name the last record, or is missing: " +
		"records were cut from the end, or the export is incomplete.",
	receipt.ReasonFileMissing: "A file the signed manifest needs is not in the folder.",
	receipt.ReasonFileChanged: "A file is not the one the signed manifest lists: its contents (SHA-256) or its size differ.",
	receipt.ReasonFileUnlisted: "The folder holds a file the signed manifest does not list: it was not part of the " +
		"export as the service made it.",
	receipt.ReasonVersionMismatch: "A receipt in the manifest is not the receipt of the version it is listed with.",
	receipt.ReasonNotCanonicalise: "The document is not JSON that can be put in canonical form.",
}
