package apitest

import (
	"testing"
)

// Run runs the whole API suite on fresh backends from newBackend.
func Run(t *testing.T, newBackend NewBackend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, e *Env)
	}{
		{"examples are accepted by their own partners", testExamplesAccepted},
		{"unchanged content is not a new version", testUnchangedContent},
		{"a changed body is the next version", testNextVersion},
		{"If-Match is honoured", testIfMatch},
		{"Idempotency-Key replays, refuses reuse and in-flight duplicates", testIdempotency},
		{"dry runs store nothing", testDryRun},
		{"validation reports every error at once and stores nothing", testAllErrorsAtOnce},
		{"warnings are returned and stored with the version", testWarningsStored},
		{"bad requests get problems", testSafeByDefault},
		{"answers are in Welsh or English as asked, and differ only in words", testLanguages},
		{"a region's names are in the language asked where the region gives them", testRegionNames},
		{"a replayed answer says the language of its words", testReplayLanguage},
		{"partners act only on their own slice", testSliceIsolation},
		{"tokens of the wrong shape are refused", testTokenShapes},
		{"tokens with two readings or two spellings are refused with their rule", testTokenAttacks},
		{"lists page with opaque cursors", testPagination},
		{"data survives a restart", testRestart},
		{"concurrent writers all land as consecutive versions", testConcurrentWriters},
		{"concurrent If-Match writers: exactly one wins", testConcurrentIfMatch},
		{"concurrent lock and writes: none lands in the locked period", testConcurrentLockAndWrite},
		{"a second region works in configuration alone", testSecondRegion},
		{"meta routes", testMetaRoutes},
		{"request ids appear in problems and logs", testRequestIDs},
		{"readiness reads the store; liveness does not", testReadiness},
		{"spans, log lines and metrics name the route, the caller and the store calls", testObservability},
		{"a client that hangs up is logged as cancelled, not as a failure", testHangUp},
		{"the pooled fund position of a worked fund-year", testPosition},
		{"position reads are bounded whatever the versions", testPositionReadsAreBounded},
		{"the position follows every change to its records", testPositionFollowsEveryChange},
		{"the position of records written before the fund-year partition", testPositionOfEarlierRecords},
		{"Cheshire West shares its variance pro rata, with each year's members", testCheshireWestProRata},
		{"Wiltshire shares its BCF 45/55 and its MH/LD pool's host bears the variance", testWiltshireSharesAndHost},
		{"a Better Care Fund report shows KPIs against plans and the national conditions", testBCFReportContent},
		{"periods lock and unlock", testLocks},
		{"quarterly returns are signed off", testSignOff},
		{"members give and withdraw consent to pool underspends", testConsentRoutes},
		{"obligations say what is owed and when", testObligations},
		{"the audit trail", testAuditTrail},
		{"receipts verify offline with the published keys and the body sent", testReceiptsVerifyOffline},
		{"audit exports are chains that show every kind of tampering", testAuditChainExport},
		{"50 concurrent writers of one partner leave one unbroken chain", testConcurrentChain},
		{"a burst of one partner's writes takes turns at its chain: nothing is signed twice", testBurstTakesTurns},
		{"writers of one partner in two processes leave one unbroken chain", testTwoProcessesOneChain},
		{"a fund's report is signed by its members on one content, then approved by its board", testReportSignOff},
		{"a fund's report is its region's and its members' of that year", testReportAccess},
		{"population and market aggregates", testAggregates},
		{"the region's view is the region's own", testRegionViewIsolation},
		{"uploads: template, CSV, presigned PUT, accepted version", testUploadsEndToEnd},
		{"bad uploads get clear results", testBadUploads},
		{"exports are reproducible", testExports},
		{"an export's manifest is signed, and a recipient's check catches any change", testSignedManifests},
		{"an export lists each version's receipt", testExportedReceipts},
		{"an export's manifest is signed while its files are stored", testManifestSignedWhileStored},
		{"the README's English walk-through: Wiltshire's Better Care Fund from contributions to the board's approval", testEnglishWalkthrough},
		{"an export built while 50 writers change returns is one snapshot", testExportSnapshot},
		{"an export reads each document once", testExportReadsOnce},
		{"government exports the English regions, their streams, plans and assurances", testEnglishExports},
		{"a fund's own forms, in its terms", testFundTemplates},
		{"templates in Welsh: the instructions in Welsh, the same header, the same submission", testTemplatesInWelsh},
		{"exports in Welsh: Welsh sheets and labels, a CSV label row on request, the language kept to the build", testExportsInWelsh},
		{"a Better Care Fund contribution sent as its form", testPoolContributionUploads},
		{"faults at each step of a PUT: a clear answer, all or nothing, one version on retry", testFaultsDuringPut},
		{"faults during sign-off leave all or nothing", testFaultsDuringSignOff},
		{"faults while locking a period leave all or nothing", testFaultsDuringLock},
		{"faults during consent changes leave all or nothing", testFaultsDuringConsent},
		{"faults during a report's sign-off leave all or nothing", testFaultsDuringReportSignOff},
		{"an upload's validation killed at each step still ends, retried or swept", testKillUploadValidation},
		{"an export's build killed at each step still ends, retried or swept", testKillExportBuild},
		{"races at the write are answered as the new state says", testRacesAtTheWrite},
		{"work that outlives its request has a time limit", testDetachedWork},
		{"lone surrogates are refused with their pointer", testLoneSurrogates},
		{"every route refuses every caller it should", testAccessMatrix},
		{"changes feed: a PUT is the next event, with its receipt and the url that reads it; refused writes take no number", testChangesAfterAPut},
		{"changes feed: every kind of write is its event", testChangesEveryType},
		{"changes feed: 50 writers of four partners in two processes leave one gap-free sequence", testChangesConcurrent},
		{"changes feed: a burst of every member's writes takes turns at the region's sequence", testChangesTakeTurns},
		{"changes feed: a cursor older than the feed keeps is 410 with how to catch up", testChangesGone},
		{"as at an event: the position before and after a change gives the two figures", testAsOfPosition},
		{"as at an event: the report before a sign-off is unsigned; locks stand as they stood", testAsOfReport},
		{"as at an event: the aggregates as they were read then", testAsOfAggregates},
		{"as at an event: an export is the state then and states it", testAsOfExport},
		{"as at an event: an export, then the feed after it, is the current state", testAsOfResync},
		{"as at an event: before the region's history 422, older than the feed keeps 410", testAsOfLimits},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, NewEnv(t, newBackend(t)))
		})
	}
}
