package position

import (
	"math/big"
	"slices"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// portion is one member's part of an apportioned amount.
type portion struct {
	exact *big.Rat    // v × weight ÷ total, in pence
	share money.Pence // whole pence, within one penny of exact
	penny bool        // one of the remainder pennies went to it
}

// apportion shares v among weights (none negative; their total > 0 unless v is 0)
// in whole pence by largest remainder, so the shares sum to v exactly.
//
// The amount shared is |v| — the fund's overspend, or its underspend when v
// is negative: each member's exact part of |v| is floored, then the pennies
// still to share go one each to the largest fractional remainders, ties to
// the earlier member in weights' (configuration) order; each share then takes
// v's sign. So for a negative v every share is its exact value rounded
// towards zero, or one penny further from zero for the members with the
// largest remainders: a remainder penny is always a penny of the amount being
// shared, and equal claims settle by configuration order whichever way the
// fund went. Each share differs from its exact value by less than a penny.
//
// The products v × weight leave int64 (pence times pence), so the arithmetic
// is math/big; every share lies between 0 and v, so it fits money.Pence.
func apportion(v money.Pence, weights []int64) []portion {
	out := make([]portion, len(weights))
	total := new(big.Int)
	for _, w := range weights {
		total.Add(total, big.NewInt(w))
	}
	if v == 0 {
		for i := range out {
			out[i].exact = new(big.Rat)
		}
		return out
	}
	amount := new(big.Int).Abs(big.NewInt(int64(v)))
	floors := make([]*big.Int, len(weights))
	remainders := make([]*big.Int, len(weights))
	left := new(big.Int).Set(amount) // pennies not yet given
	for i, w := range weights {
		product := new(big.Int).Mul(amount, big.NewInt(w))
		floors[i], remainders[i] = new(big.Int).QuoRem(product, total, new(big.Int))
		left.Sub(left, floors[i])
		out[i].exact = new(big.Rat).SetFrac(product, total)
		if v < 0 {
			out[i].exact.Neg(out[i].exact)
		}
	}
	// left < len(weights): each floor is short of its exact part by under a penny.
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return remainders[b].Cmp(remainders[a]) })
	for _, i := range order[:left.Int64()] {
		floors[i].Add(floors[i], big.NewInt(1))
		out[i].penny = true
	}
	for i := range out {
		if v < 0 {
			floors[i].Neg(floors[i])
		}
		out[i].share = money.Pence(floors[i].Int64()) // between 0 and v
	}
	return out
}
