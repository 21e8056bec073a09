package exports

import (
	"context"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"github.com/regional-data-exchange/rdx/shared/export"
	"github.com/regional-data-exchange/rdx/shared/i18n"
	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/position"
	"github.com/regional-data-exchange/rdx/shared/service"
	"github.com/regional-data-exchange/rdx/shared/service/regionview"
	"github.com/regional-data-exchange/rdx/shared/submission"
)

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

// Column builders.
func text(n string) export.Column    { return export.Column{Name: n, Kind: export.Text} }
func integer(n string) export.Column { return export.Column{Name: n, Kind: export.Int} }
func pounds(n string) export.Column  { return export.Column{Name: n, Kind: export.Money} }
func boolean(n string) export.Column { return export.Column{Name: n, Kind: export.Bool} }
func decimal(n string) export.Column { return export.Column{Name: n, Kind: export.Decimal} }

func t(s string) export.Cell      { return export.TextCell(s) }
func n(i int64) export.Cell       { return export.IntCell(i) }
func m(p money.Pence) export.Cell { return export.MoneyCell(int64(p)) }
func optM(p *money.Pence) export.Cell {
	if p == nil {
		return export.NullCell()
	}
	return m(*p)
}
func optT(s *string) export.Cell {
	if s == nil {
		return export.NullCell()
	}
	return t(*s)
}

// orNull is an optional text of a document (left out: ""), null when absent.
func orNull(s string) export.Cell {
	if s == "" {
		return export.NullCell()
	}
	return t(s)
}

// emit writes one row.
type emit func(cells ...export.Cell) error

// exportTable is one table and how its rows are produced, in a fixed order.
type exportTable struct {
	table export.Table
	rows  func(ctx context.Context, e emit) error
}

// keyCols are the columns every submission table starts with.
var keyCols = map[submission.Kind][]export.Column{
	submission.PoolContributions:        {text("partner"), text("fund_id"), text("financial_year"), integer("version")},
	submission.QuarterlyReturns:         {text("partner"), text("fund_id"), text("quarter"), integer("version")},
	submission.MarketPositionStatements: {text("partner"), text("area_code"), text("financial_year"), integer("version")},
	submission.PopulationAssessments:    {text("partner"), text("area_code"), text("assessment_year"), integer("version")},
}

func keyCells(r service.VersionRecord) []export.Cell {
	return []export.Cell{t(r.Partner), t(r.KeyValues[0]), t(r.KeyValues[1]), n(int64(r.Version))}
}

func cols(kind submission.Kind, more ...export.Column) []export.Column {
	return append(append([]export.Column{}, keyCols[kind]...), more...)
}

// each calls fn with every version of a kind the export includes, in order.
func (x *snapshot) each(kind submission.Kind, fn func(service.VersionRecord) error) error {
	for _, r := range x.versions[kind] {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// docRows makes a table of rows drawn from each included version's document.
func docRows[T any](x *snapshot, kind submission.Kind, rows func(r service.VersionRecord, d T, e emit) error) func(context.Context, emit) error {
	return func(_ context.Context, e emit) error {
		return x.each(kind, func(r service.VersionRecord) error {
			d, err := decode[T](x, r)
			if err != nil {
				return err
			}
			return rows(r, d, func(cells ...export.Cell) error { return e(append(keyCells(r), cells...)...) })
		})
	}
}

// writeTables writes every table in a fixed order, labelled by label when
// it is not nil, and returns how many versions the export includes.
func (x *snapshot) writeTables(ctx context.Context, w export.Writer, label labeller) (int, error) {
	count := 0
	tables := append(x.submissionTables(&count), x.viewTables()...)
	for _, tb := range tables {
		if label != nil {
			tb.table = label.labelled(tb.table)
		}
		if err := w.Begin(tb.table); err != nil {
			return 0, err
		}
		if err := tb.rows(ctx, func(cells ...export.Cell) error { return w.Row(cells) }); err != nil {
			return 0, err
		}
		if err := w.End(); err != nil {
			return 0, err
		}
	}
	return count, nil
}

func (x *snapshot) submissionTables(count *int) []exportTable {
	return []exportTable{
		{export.Table{Name: versionsTable, Columns: []export.Column{text("partner"), text("kind"), text("key"), integer("version"), text("sha256"), text("received_at"), text("signed_off_at"), text("receipt")}},
			func(_ context.Context, e emit) error {
				for _, k := range submission.Kinds {
					err := x.each(k, func(r service.VersionRecord) error {
						*count++
						signed := export.NullCell()
						if r.SignOff != nil {
							signed = t(r.SignOff.At.Format(time.RFC3339Nano))
						}
						return e(t(r.Partner), t(string(k)), t(r.KeyValues[0]+"/"+r.KeyValues[1]), n(int64(r.Version)), t(r.SHA256), t(r.ReceivedAt.Format(time.RFC3339Nano)), signed,
							orNull(r.Receipt))
					})
					if err != nil {
						return err
					}
				}
				return nil
			}},
		{export.Table{Name: "pool_contributions", Columns: cols(submission.PoolContributions, text("discipline"), text("area_code"), text("type"), pounds("amount"), text("description"),
			text("funding_stream"), text("approved_by"), text("approved_on"))},
			docRows(x, submission.PoolContributions, func(_ service.VersionRecord, d submission.ContributionDoc, e emit) error {
				for _, l := range d.Lines {
					if err := e(t(l.Discipline), t(l.AreaCode), t(l.Type), m(l.Amount), t(l.Description), orNull(l.FundingStream), t(d.ApprovedBy), t(d.ApprovedOn)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "pool_contribution_kpi_plans", Columns: cols(submission.PoolContributions, text("code"), text("quarter"), decimal("value"))},
			docRows(x, submission.PoolContributions, func(_ service.VersionRecord, d submission.ContributionDoc, e emit) error {
				for _, k := range d.KPIPlans {
					if err := e(t(k.Code), t(k.Quarter), export.DecimalCell(k.Value.String())); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "quarterly_returns", Columns: cols(submission.QuarterlyReturns, text("risk_rating"), text("commentary"), boolean("final"),
			integer("placements_at_quarter_end"), integer("new_placements"), integer("ended_placements"), integer("bed_weeks"), text("signed_off_by"), text("signed_off_role"))},
			docRows(x, submission.QuarterlyReturns, func(r service.VersionRecord, d submission.ReturnDoc, e emit) error {
				by, role := export.NullCell(), export.NullCell()
				if r.SignOff != nil {
					by, role = t(r.SignOff.Signatory), t(r.SignOff.Role)
				}
				act := []export.Cell{export.NullCell(), export.NullCell(), export.NullCell(), export.NullCell()}
				if a := d.Activity; a != nil {
					act = []export.Cell{n(a.PlacementsAtQuarterEnd), n(a.NewPlacements), n(a.EndedPlacements), n(a.BedWeeks)}
				}
				return e(append(append([]export.Cell{t(d.RiskRating), t(d.Commentary), export.BoolCell(d.Final)}, act...), by, role)...)
			})},
		{export.Table{Name: "quarterly_return_lines", Columns: cols(submission.QuarterlyReturns, text("record"), text("discipline"), text("area_code"), text("category"), text("source"), pounds("actual_to_date"), pounds("forecast_outturn"))},
			docRows(x, submission.QuarterlyReturns, func(_ service.VersionRecord, d submission.ReturnDoc, e emit) error {
				for _, l := range d.Spend {
					if err := e(t("spend"), t(l.Discipline), t(l.AreaCode), t(l.Category), export.NullCell(), m(l.ActualToDate), m(l.ForecastOutturn)); err != nil {
						return err
					}
				}
				for _, l := range d.Income {
					if err := e(t("income"), t(l.Discipline), t(l.AreaCode), export.NullCell(), t(l.Source), m(l.ActualToDate), m(l.ForecastOutturn)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "quarterly_return_kpis", Columns: cols(submission.QuarterlyReturns, text("code"), decimal("value"), text("unit"))},
			docRows(x, submission.QuarterlyReturns, func(_ service.VersionRecord, d submission.ReturnDoc, e emit) error {
				for _, k := range d.KPIs {
					if err := e(t(k.Code), export.DecimalCell(k.Value.String()), t(k.Unit)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "quarterly_return_assurances", Columns: cols(submission.QuarterlyReturns, text("code"), boolean("met"), text("commentary"))},
			docRows(x, submission.QuarterlyReturns, func(_ service.VersionRecord, d submission.ReturnDoc, e emit) error {
				for _, a := range d.Assurances {
					if err := e(t(a.Code), export.BoolCell(a.Met), orNull(a.Commentary)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "market_position_statements", Columns: cols(submission.MarketPositionStatements, integer("providers"), integer("closures"), integer("new_entrants"))},
			docRows(x, submission.MarketPositionStatements, func(_ service.VersionRecord, d submission.MarketDoc, e emit) error {
				return e(n(d.Providers), n(d.Closures), n(d.NewEntrants))
			})},
		{export.Table{Name: "market_care_homes", Columns: cols(submission.MarketPositionStatements, text("category"), integer("homes"), integer("beds"), integer("occupied_beds"),
			integer("vacant_beds"), integer("local_authority_funded"), integer("health_funded"), integer("self_funded"), pounds("average_weekly_fee"), pounds("min_weekly_fee"), pounds("max_weekly_fee"))},
			docRows(x, submission.MarketPositionStatements, func(_ service.VersionRecord, d submission.MarketDoc, e emit) error {
				for _, c := range d.CareHomes {
					if err := e(t(c.Category), n(c.Homes), n(c.Beds), n(c.OccupiedBeds), n(c.VacantBeds), n(c.LocalAuthorityFunded), n(c.HealthFunded), n(c.SelfFunded),
						m(c.AverageWeeklyFee), m(c.MinWeeklyFee), m(c.MaxWeeklyFee)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "population", Columns: cols(submission.PopulationAssessments, integer("year"), text("age_band"), text("sex"), integer("count"))},
			docRows(x, submission.PopulationAssessments, func(_ service.VersionRecord, d submission.PopulationDoc, e emit) error {
				for _, p := range d.Population {
					if err := e(n(int64(p.Year)), t(p.AgeBand), t(p.Sex), n(p.Count)); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "needs", Columns: cols(submission.PopulationAssessments, text("group"), integer("year"), integer("count"), text("source"))},
			docRows(x, submission.PopulationAssessments, func(_ service.VersionRecord, d submission.PopulationDoc, e emit) error {
				for _, nd := range d.Needs {
					if err := e(t(nd.Group), n(int64(nd.Year)), n(nd.Count), t(nd.Source)); err != nil {
						return err
					}
				}
				return nil
			})},
	}
}

var totalsCols = []export.Column{pounds("contribution"), pounds("actual_to_date"), pounds("forecast_outturn"), pounds("variance"),
	pounds("overspend"), pounds("underspend"), pounds("reimbursed"), pounds("pooled")}

func totalsCells(t position.Totals) []export.Cell {
	return []export.Cell{m(t.Contribution), m(t.ActualToDate), m(t.ForecastOutturn), m(t.Variance), m(t.Overspend), m(t.Underspend), m(t.Reimbursed), m(t.Pooled)}
}

// viewTables are the region's view of the year: each fund's position and the aggregates.
func (x *snapshot) viewTables() []exportTable {
	return []exportTable{
		{export.Table{Name: "fund_position", Columns: []export.Column{text("fund_id"), text("as_at"), text("partner"), text("discipline"), text("area_code"), pounds("contribution"),
			pounds("actual_to_date"), pounds("forecast_outturn"), pounds("variance"), pounds("overspend"), pounds("underspend"), boolean("unfunded"), text("underspend_to")}},
			x.positions(func(p *position.Position, e emit) error {
				for _, c := range p.Cells {
					to := export.NullCell()
					if c.UnderspendTo != nil {
						to = t(string(*c.UnderspendTo))
					}
					if err := e(t(p.Fund), optT(p.AsAt), t(c.Partner), t(c.Discipline), t(c.AreaCode), m(c.Contribution), optM(c.ActualToDate), optM(c.ForecastOutturn),
						optM(c.Variance), m(c.Overspend), m(c.Underspend), export.BoolCell(c.Unfunded), to); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "fund_position_partners", Columns: append([]export.Column{text("fund_id"), text("partner"), text("as_at_quarter"), boolean("missing")}, totalsCols...)},
			x.positions(func(p *position.Position, e emit) error {
				for _, pp := range p.Partners {
					if err := e(append([]export.Cell{t(p.Fund), t(pp.Partner), optT(pp.AsAtQuarter), export.BoolCell(pp.Missing)}, totalsCells(pp.Totals)...)...); err != nil {
						return err
					}
				}
				return nil
			})},
		{export.Table{Name: "aggregate_population", Columns: []export.Column{integer("year"), text("age_band"), text("sex"), integer("count"), text("sources")}},
			func(ctx context.Context, e emit) error {
				agg, err := regionview.PopulationFrom(ctx, x.reg, regionview.PopulationQuery{FinancialYear: &x.year}, x.byPartner(submission.PopulationAssessments), x.document)
				if err != nil {
					return err
				}
				for _, r := range agg.Totals.Population {
					if err := e(n(int64(r.Year)), t(r.AgeBand), t(r.Sex), n(r.Count), t(strings.Join(r.Sources, " "))); err != nil {
						return err
					}
				}
				return nil
			}},
		{export.Table{Name: "aggregate_market", Columns: []export.Column{text("category"), integer("homes"), integer("beds"), integer("occupied_beds"), integer("vacant_beds"),
			decimal("occupancy"), pounds("average_weekly_fee"), pounds("min_weekly_fee"), pounds("max_weekly_fee"), text("sources")}},
			func(ctx context.Context, e emit) error {
				agg, err := regionview.MarketFrom(ctx, x.reg, x.year, x.byPartner(submission.MarketPositionStatements), x.document)
				if err != nil {
					return err
				}
				for _, c := range agg.Totals {
					occ := export.NullCell()
					if c.Occupancy != nil {
						occ = export.DecimalCell(*c.Occupancy)
					}
					if err := e(t(c.Category), n(c.Homes), n(c.Beds), n(c.OccupiedBeds), n(c.VacantBeds), occ, optM(c.AverageWeeklyFee), m(c.MinWeeklyFee), m(c.MaxWeeklyFee), t(strings.Join(c.Sources, " "))); err != nil {
						return err
					}
				}
				return nil
			}},
	}
}

// positions computes each fund's position for the year (as at its latest
// quarter) from the snapshot's versions and consents.
func (x *snapshot) positions(rows func(*position.Position, emit) error) func(context.Context, emit) error {
	return func(_ context.Context, e emit) error {
		current := x.current()
		for i := range x.reg.Funds {
			f := &x.reg.Funds[i]
			if !f.HasYear(x.year) {
				continue
			}
			p, err := regionview.PositionFrom(f, x.year, current, x.consents[f.ID])
			if err != nil {
				return err
			}
			if err := rows(p, e); err != nil {
				return err
			}
		}
		return nil
	}
}

// versionsTable is the table listing the versions an export includes.
const versionsTable = "versions"

// labeller gives the tables' and columns' labels in one language: each
// table's is export.table.<name> in the message catalogues, each column's
// export.column.<name>.
type labeller func(id string) string

func labelsIn(lang i18n.Lang) labeller {
	return func(id string) string { return i18n.Text(lang, id, nil) }
}

func (l labeller) table(name string) string { return l("export.table." + name) }

// labelled is t with its labels.
func (l labeller) labelled(t export.Table) export.Table {
	t.Label = l.table(t.Name)
	t.Columns = slices.Clone(t.Columns)
	for i := range t.Columns {
		t.Columns[i].Label = l("export.column." + t.Columns[i].Name)
	}
	return t
}
