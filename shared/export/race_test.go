//go:build race

package export

// raceEnabled: the race detector slows excelize about fifteenfold, so the
// 200k-row XLSX memory test runs only in the ordinary test run.
const raceEnabled = true
