package position_test

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/regional-data-exchange/rdx/shared/money"
	"github.com/regional-data-exchange/rdx/shared/position"
)

// ---- Property tests of the shared models: seeded random inputs and arrangements. ----

// namingEachCellOwnChangesNothing (a check of TestProperties): the zero
// arrangement is each-cell-own, and naming it (with a host, which it ignores)
// gives the same position, byte for byte, with no riskShare.
func namingEachCellOwnChangesNothing(in position.Input, p *position.Position) error {
	in.RiskShare = position.RiskShare{Model: position.EachCellOwn, Host: in.Members[0]}
	q, err := position.Compute(in)
	if err != nil {
		return err
	}
	got, want := asJSON(q), asJSON(p)
	if got != want || p.RiskShare != nil || strings.Contains(want, "riskShare") {
		return fmt.Errorf("named each-cell-own:\n%s\nzero arrangement:\n%s", got, want)
	}
	return nil
}

// TestRiskShareProperties runs the random inputs of TestProperties (amounts
// up to the product's maximum, so V × basis leaves int64) and small ones
// (many equal remainders) under a random shared model, and checks each
// position against the definition computed here with big rationals.
func TestRiskShareProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(4555, 2019))
	for i := range 1500 {
		in := randomInput(r)
		if i%2 == 1 {
			in = smallInput(r)
		}
		in.RiskShare = randomArrangement(r, in.Members)
		if in.RiskShare.Model == position.ProRataContributions {
			positiveContributions(&in) // the API refuses contribution lines ≤ 0
		}
		p, err := position.Compute(in)
		if err != nil {
			t.Fatalf("input %d: %v\n%s", i, err, asJSON(in))
		}
		for _, check := range []func(position.Input, *position.Position) error{
			sharesFollowTheDefinition, cellsAsUnderEachCellOwn, reorderingMovesOnlyTiedPennies,
		} {
			if err := check(in, p); err != nil {
				t.Fatalf("input %d: %v\ninput %s\nposition %s", i, err, asJSON(in), asJSON(p))
			}
		}
	}
}

// smallInput has amounts of a few pence around equal contributions, so V is
// small against the bases and equal remainders are common.
func smallInput(r *rand.Rand) position.Input {
	names := []string{"m0", "m1", "m2", "m3", "m4"}
	r.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	in := position.Input{Fund: "f", Year: fy, Members: names[:1+r.IntN(len(names))], AsAt: qp(4)}
	scale := []money.Pence{1, 100, 1_000_000_000}[r.IntN(3)]
	for _, m := range in.Members {
		c := money.Pence(r.IntN(4)) * scale
		if c > 0 {
			in.Contributions = append(in.Contributions, position.Contribution{Partner: m, Version: 1,
				Lines: []position.Line{{Discipline: sc, AreaCode: "A1", Amount: c}}})
		}
		if r.IntN(4) > 0 {
			in.Returns = append(in.Returns, position.Return{Partner: m, Quarter: q(1 + r.IntN(4)), Version: 1,
				Lines: []position.ReturnLine{{Discipline: sc, AreaCode: "A1", Forecast: c + money.Pence(r.IntN(11)-5)}}})
		}
	}
	return in
}

// randomArrangement is a shared model valid for members: fixed shares are
// often equal (10,000 basis points do not divide by 3, 6 or 7 alike).
func randomArrangement(r *rand.Rand, members []string) position.RiskShare {
	host := members[r.IntN(len(members))]
	switch r.IntN(3) {
	case 0:
		return position.RiskShare{Model: position.ProRataContributions, Host: host}
	case 1:
		return position.RiskShare{Model: position.HostBears, Host: host}
	}
	shares := map[string]int{}
	left := position.FullShare
	for i, m := range members {
		switch {
		case i == len(members)-1:
			shares[m] = left
		case r.IntN(2) == 0:
			shares[m] = min(position.FullShare/len(members), left)
		default:
			shares[m] = r.IntN(left + 1)
		}
		left -= shares[m]
	}
	return position.RiskShare{Model: position.FixedShares, Host: host, Shares: shares}
}

func positiveContributions(in *position.Input) {
	for i := range in.Contributions {
		lines := slices.Clone(in.Contributions[i].Lines)
		for j := range lines {
			lines[j].Amount = max(lines[j].Amount, -lines[j].Amount, 1)
		}
		in.Contributions[i].Lines = lines
	}
}

// definedShares are each member's exact share of V by the definition, from
// the input alone: V from the plain model, the basis from the arrangement.
func definedShares(in position.Input) (v *big.Int, exact []*big.Rat, apportioned bool) {
	_, cells := model(in)
	v = new(big.Int)
	for _, byCell := range cells {
		for _, c := range byCell {
			if c.hasReturn {
				v.Add(v, big.NewInt(c.forecast-c.contribution))
			}
		}
	}
	weights := make([]*big.Int, len(in.Members))
	total := new(big.Int)
	for i, m := range in.Members {
		w := new(big.Int)
		switch in.RiskShare.Model {
		case position.ProRataContributions:
			for _, c := range in.Contributions {
				for _, l := range c.Lines {
					if c.Partner == m {
						w.Add(w, big.NewInt(int64(l.Amount)))
					}
				}
			}
		case position.FixedShares:
			w.SetInt64(int64(in.RiskShare.Shares[m]))
		case position.HostBears:
			if m == in.RiskShare.Host {
				w.SetInt64(1)
			}
		}
		weights[i] = w
		total.Add(total, w)
	}
	if total.Sign() == 0 {
		exact = make([]*big.Rat, len(in.Members))
		for i := range exact {
			exact[i] = new(big.Rat)
		}
		return v, exact, v.Sign() == 0
	}
	for _, w := range weights {
		exact = append(exact, new(big.Rat).SetFrac(new(big.Int).Mul(v, w), total))
	}
	return v, exact, true
}

// sharesFollowTheDefinition: V is the net variance; the shares sum to V
// exactly; each is its exact share's whole pence towards zero, plus a
// remainder penny (away from zero) or not, so within a penny of it; the
// pennies went to the largest remainders, ties in configuration order.
func sharesFollowTheDefinition(in position.Input, p *position.Position) error {
	rs := p.RiskShare
	v, exact, apportioned := definedShares(in)
	if rs == nil || rs.Model != in.RiskShare.Model || !v.IsInt64() || int64(rs.Variance) != v.Int64() ||
		rs.Variance != p.Totals.Fund.Variance || rs.Overspend != max(rs.Variance, 0) || rs.Underspend != max(-rs.Variance, 0) {
		return fmt.Errorf("riskShare %s, V by definition %s", asJSON(rs), v)
	}
	if rs.Apportioned != apportioned || len(rs.Shares) != len(in.Members) {
		return fmt.Errorf("apportioned %v, want %v", rs.Apportioned, apportioned)
	}
	sum, one := new(big.Int), big.NewRat(1, 1)
	frac := make([]*big.Rat, len(exact)) // fractional part of |exact|
	for i, s := range rs.Shares {
		if s.Partner != in.Members[i] {
			return fmt.Errorf("share %d is %s's, want %s's", i, s.Partner, in.Members[i])
		}
		if !apportioned {
			if s.ExactShare != nil || s.ShareOfVariance != nil || s.Overspend != nil || s.Underspend != nil || s.RemainderPenny {
				return fmt.Errorf("an unapportioned share has figures: %s", asJSON(s))
			}
			continue
		}
		share := *s.ShareOfVariance
		sum.Add(sum, big.NewInt(int64(share)))
		if *s.ExactShare != exact[i].RatString() || *s.Overspend != max(share, 0) || *s.Underspend != max(-share, 0) {
			return fmt.Errorf("share of %s: %s, exact %s", s.Partner, asJSON(s), exact[i].RatString())
		}
		magnitude := new(big.Rat).Abs(exact[i])
		whole := new(big.Int).Quo(magnitude.Num(), magnitude.Denom())
		frac[i] = new(big.Rat).Sub(magnitude, new(big.Rat).SetInt(whole))
		if s.RemainderPenny {
			whole.Add(whole, big.NewInt(1))
		}
		if exact[i].Sign() < 0 {
			whole.Neg(whole)
		}
		diff := new(big.Rat).Sub(new(big.Rat).SetInt64(int64(share)), exact[i])
		if whole.Cmp(big.NewInt(int64(share))) != 0 || new(big.Rat).Abs(diff).Cmp(one) >= 0 {
			return fmt.Errorf("share of %s is %d p, exact %s, penny %v", s.Partner, share, exact[i].RatString(), s.RemainderPenny)
		}
	}
	if apportioned && sum.Cmp(v) != 0 {
		return fmt.Errorf("shares sum to %s p, V is %s p", sum, v)
	}
	for i, a := range rs.Shares {
		for j, b := range rs.Shares {
			if a.RemainderPenny && !b.RemainderPenny && (frac[i].Cmp(frac[j]) < 0 || (frac[i].Cmp(frac[j]) == 0 && i > j)) {
				return fmt.Errorf("the penny went to %s (remainder %s) over %s (remainder %s)", a.Partner, frac[i], b.Partner, frac[j])
			}
		}
	}
	return nil
}

// cellsAsUnderEachCellOwn: the model changes no cell's figures, only where
// underspends go (shared), and nothing is reimbursed or pooled.
func cellsAsUnderEachCellOwn(in position.Input, p *position.Position) error {
	own := in
	own.RiskShare = position.RiskShare{}
	q, err := position.Compute(own)
	if err != nil {
		return err
	}
	if q.RiskShare != nil || !reflect.DeepEqual(p.Pooling, q.Pooling) || p.PooledUnderspend != 0 {
		return fmt.Errorf("each-cell-own has riskShare %v; pooling %v vs %v; pooled %s", q.RiskShare, p.Pooling, q.Pooling, p.PooledUnderspend)
	}
	for i, c := range q.Cells {
		if c.UnderspendTo != nil {
			c.UnderspendTo = dest(position.ToShared)
		}
		if !reflect.DeepEqual(p.Cells[i], c) {
			return fmt.Errorf("cell %s, each-cell-own %s", asJSON(p.Cells[i]), asJSON(q.Cells[i]))
		}
	}
	unshared := func(t position.Totals) position.Totals { t.Reimbursed, t.Pooled = 0, 0; return t }
	for i, pp := range q.Partners {
		pp.Totals = unshared(pp.Totals)
		if !reflect.DeepEqual(p.Partners[i], pp) {
			return fmt.Errorf("partner %s, each-cell-own %s", asJSON(p.Partners[i]), asJSON(q.Partners[i]))
		}
	}
	if p.Totals.Fund != unshared(q.Totals.Fund) {
		return fmt.Errorf("fund totals %+v, each-cell-own %+v", p.Totals.Fund, q.Totals.Fund)
	}
	return nil
}

// reorderingMovesOnlyTiedPennies: reversing the configuration order changes
// no exact share and no member's whole pence, and gives each set of members
// with equal remainders as many pennies as before; sharesFollowTheDefinition,
// applied to the reordered position, has them go to the first in the new order.
func reorderingMovesOnlyTiedPennies(in position.Input, p *position.Position) error {
	rev := in
	rev.Members = slices.Clone(in.Members)
	slices.Reverse(rev.Members)
	q, err := position.Compute(rev)
	if err != nil {
		return err
	}
	if err := sharesFollowTheDefinition(rev, q); err != nil {
		return fmt.Errorf("reordered: %w", err)
	}
	if !p.RiskShare.Apportioned {
		return nil
	}
	pennies := map[string]int{} // remainder → pennies before − pennies after
	for i, a := range p.RiskShare.Shares {
		b := q.RiskShare.Shares[len(in.Members)-1-i]
		if *a.ExactShare != *b.ExactShare || whole(a) != whole(b) {
			return fmt.Errorf("reordered, %s: %s → %s", a.Partner, asJSON(a), asJSON(b))
		}
		rem := remainder(*a.ExactShare)
		pennies[rem] += boolInt(a.RemainderPenny) - boolInt(b.RemainderPenny)
	}
	for rem, n := range pennies {
		if n != 0 {
			return fmt.Errorf("reordered, the members with remainder %s got %d fewer pennies", rem, n)
		}
	}
	return nil
}

// whole is a share without its remainder penny.
func whole(s position.MemberShare) money.Pence {
	if !s.RemainderPenny {
		return *s.ShareOfVariance
	}
	if *s.ShareOfVariance < 0 {
		return *s.ShareOfVariance + 1
	}
	return *s.ShareOfVariance - 1
}

// remainder is the fractional part of an exact share's magnitude.
func remainder(exact string) string {
	x, _ := new(big.Rat).SetString(exact)
	x.Abs(x)
	return x.Sub(x, new(big.Rat).SetInt(new(big.Int).Quo(x.Num(), x.Denom()))).RatString()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
