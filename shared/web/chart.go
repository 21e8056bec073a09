package web

import (
	"math"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// chart is a horizontal bar chart of one amount per row, drawn as inline
// SVG (markup, not script): bars right of the zero line for positive
// amounts, left for negative. It only repeats the table above it, for the
// eye; the table is what it says.
type chart struct {
	ID            string // the prefix of its title's and description's ids
	Title, Desc   string
	Width, Height int
	ZeroX         int
	Bars          []bar
}

type bar struct {
	Label, Value string
	X, Y, W, H   int
	TextY        int
	ValueX       int
	ValueAnchor  string // "start" right of a bar, "end" left of it
	Class        string
}

const (
	chartWidth  = 720
	chartLabels = 220 // the names' column
	chartMargin = 110 // room for a value beside the longest bar
	barHeight   = 22
	barGap      = 12
)

type chartRow struct {
	label  string
	amount money.Pence
}

// varianceChart draws rows of amounts: over zero is an overspend (its
// class "bar-over"), under zero an underspend ("bar-under").
func varianceChart(id, title, desc string, rows []chartRow) chart {
	c := chart{ID: id, Title: title, Desc: desc, Width: chartWidth, Height: len(rows)*(barHeight+barGap) + barGap}
	lo, hi := 0.0, 0.0
	for _, r := range rows {
		lo, hi = math.Min(lo, float64(r.amount)), math.Max(hi, float64(r.amount))
	}
	plot := float64(chartWidth - chartLabels - 2*chartMargin)
	span := hi - lo
	if span == 0 {
		span = 1
	}
	x := func(v float64) int { return chartLabels + chartMargin + int(math.Round((v-lo)/span*plot)) }
	c.ZeroX = x(0)
	for i, r := range rows {
		y := barGap + i*(barHeight+barGap)
		b := bar{Label: r.label, Value: pounds(r.amount), Y: y, H: barHeight, TextY: y + barHeight*3/4}
		end := x(float64(r.amount))
		if r.amount >= 0 {
			b.X, b.W, b.Class, b.ValueX, b.ValueAnchor = c.ZeroX, end-c.ZeroX, "bar-over", end+6, "start"
		} else {
			b.X, b.W, b.Class, b.ValueX, b.ValueAnchor = end, c.ZeroX-end, "bar-under", end-6, "end"
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
