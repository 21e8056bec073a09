package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/regional-data-exchange/rdx/shared/export/xlsx"
	"github.com/regional-data-exchange/rdx/shared/receipt"
)

// receipt checks one receipt and, when given, the document kept with it.
func (c *command) receipt(path, document string) error {
	jws, err := readFile(path)
	if err != nil {
		return err
	}
	st, err := receipt.VerifyStatement(string(jws), c.keys)
	if err != nil {
		return err
	}
	if document == "" {
		fmt.Fprintf(c.out, "VALID: %s is a receipt the service signed.\n", path)
		describe(c.out, st)
		return nil
	}
	doc, err := readFile(document)
	if err != nil {
		return err
	}
	match, err := receipt.CheckDocument(st, doc)
	if err != nil {
		fmt.Fprintf(c.out, "The receipt %s is genuine; the document %s is checked against it below.\n", path, document)
		describe(c.out, st)
		return err
	}
	how := "its content: the same document as the service stored it, whatever its layout (compared in canonical form, RFC 8785)"
	if match == receipt.MatchRaw {
		how = "its exact bytes: it is byte for byte what was sent"
	}
	fmt.Fprintf(c.out, "VALID: %s is a receipt the service signed, and %s is the document it names, by %s.\n", path, document, how)
	describe(c.out, st)
	return nil
}

// chain checks a series of receipts, given in order or as a folder.
func (c *command) chain(paths []string, dir string) error {
	var receipts []string
	if dir != "" {
		var err error
		if receipts, c.files, err = receipt.ReadReceiptDir(dir); err != nil {
			return err
		}
		if len(receipts) == 0 {
			return cannot("%s holds no .jws files", dir)
		}
	} else {
		for _, p := range paths {
			b, err := readFile(p)
			if err != nil {
				return err
			}
			receipts = append(receipts, string(b))
		}
		c.files = paths
	}
	sts, err := receipt.VerifyChain(receipts, c.keys)
	if err != nil {
		return err
	}
	first, last := sts[0], sts[len(sts)-1]
	fmt.Fprintf(c.out, "VALID: %d receipts of series %s, numbers %d to %d, each signed by the service and following on from the one before.\n",
		len(sts), first.Chain, first.Seq, last.Seq)
	if first.Seq > 1 {
		fmt.Fprintf(c.out, "The series starts at number %d: the receipts before it were not given, so they were not checked.\n", first.Seq)
	}
	for i, st := range sts {
		fmt.Fprintf(c.out, "  %d  %s  %s  %s: %s  (%s)\n", st.Seq, st.At, who(st), st.Action, about(st.About), filepath.Base(c.files[i]))
	}
	return nil
}

// audit checks an audit export.
func (c *command) audit(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return cannot("%s cannot be read: %v", path, err)
	}
	defer f.Close()
	a, err := receipt.VerifyAuditExport(f, c.keys)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.out, "VALID: the audit export %s is whole: %d records of series %s (region %s), numbered from 1 with none "+
		"missing, changed, added or moved, and its signed end (%s) names the last of them.\n",
		path, a.Records, a.Head.Chain, a.Head.Region, a.Head.At)
	return nil
}

// export checks an export folder against its signed manifest; an XLSX
// export's versions are read from its workbook with excelize.
func (c *command) export(dir string) error {
	x, err := receipt.VerifyExportFolder(dir, c.keys, receipt.ReadSheetsWith(xlsx.ReadSheet))
	if err != nil {
		return err
	}
	m := x.Manifest
	fmt.Fprintf(c.out, "VALID: the export in %s is as the service made it: region %s, financial year %s, %s, data as at %s.\n",
		dir, m.Region, m.FinancialYear, m.Format, m.AsAt)
	fmt.Fprintf(c.out, "  Files: every file the signed manifest lists (%d) is here, unchanged, and no other file is.\n", len(m.Files))
	fmt.Fprintf(c.out, "  Receipts: %d of the %d versions it includes have one, and each verifies as that version's.\n", x.Receipts, x.Versions)
	if m.Labels {
		fmt.Fprintf(c.out, "  Labels: a row of column labels in %s under each header row (read past it).\n", m.Lang)
	}
	if x.Unread != "" {
		fmt.Fprintf(c.out, "  (The versions listed in %s could not be read, so their receipts were not checked.)\n", x.Unread)
	}
	if x.Receipts < x.Versions {
		fmt.Fprintln(c.out, "  (Versions stored before receipts were signed have none.)")
	}
	return nil
}
