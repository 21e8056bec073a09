package submission

import (
	"bytes"
	"encoding/json"

	"github.com/regional-data-exchange/rdx/shared/money"
)

// Typed forms of the canonical documents, for reading stored versions
// (exports). Money is money.Pence, decimals money.Decimal: never a float.

// PopulationDoc is a population assessment.
type PopulationDoc struct {
	AreaCode       string `json:"areaCode"`
	AssessmentYear int    `json:"assessmentYear"`
	Population     []struct {
		Year    int    `json:"year"`
		AgeBand string `json:"ageBand"`
		Sex     string `json:"sex"`
		Count   int64  `json:"count"`
	} `json:"population"`
	Needs []struct {
		Group  string `json:"group"`
		Year   int    `json:"year"`
		Count  int64  `json:"count"`
		Source string `json:"source"`
	} `json:"needs"`
	Notes string `json:"notes"`
}

// MarketDoc is a market position statement.
type MarketDoc struct {
	AreaCode      string `json:"areaCode"`
	FinancialYear string `json:"financialYear"`
	CareHomes     []struct {
		Category             string      `json:"category"`
		Homes                int64       `json:"homes"`
		Beds                 int64       `json:"beds"`
		OccupiedBeds         int64       `json:"occupiedBeds"`
		VacantBeds           int64       `json:"vacantBeds"`
		LocalAuthorityFunded int64       `json:"localAuthorityFunded"`
		HealthFunded         int64       `json:"healthFunded"`
		SelfFunded           int64       `json:"selfFunded"`
		AverageWeeklyFee     money.Pence `json:"averageWeeklyFee"`
		MinWeeklyFee         money.Pence `json:"minWeeklyFee"`
		MaxWeeklyFee         money.Pence `json:"maxWeeklyFee"`
	} `json:"careHomes"`
	Providers               int64    `json:"providers"`
	Closures                int64    `json:"closures"`
	NewEntrants             int64    `json:"newEntrants"`
	CommissioningIntentions []string `json:"commissioningIntentions"`
	DocumentUploadID        string   `json:"documentUploadId"`
}

// ContributionDoc is a pool contribution.
type ContributionDoc struct {
	FundID        string `json:"fundId"`
	FinancialYear string `json:"financialYear"`
	Lines         []struct {
		Discipline    string      `json:"discipline"`
		AreaCode      string      `json:"areaCode"`
		Type          string      `json:"type"`
		Amount        money.Pence `json:"amount"`
		Description   string      `json:"description"`
		FundingStream string      `json:"fundingStream"`
	} `json:"lines"`
	KPIPlans []struct {
		Code    string        `json:"code"`
		Quarter string        `json:"quarter"`
		Value   money.Decimal `json:"value"`
	} `json:"kpiPlans"`
	ApprovedBy string `json:"approvedBy"`
	ApprovedOn string `json:"approvedOn"`
}

// ReturnLine is a spend or income line of a quarterly return.
type ReturnLine struct {
	Discipline      string      `json:"discipline"`
	AreaCode        string      `json:"areaCode"`
	Category        string      `json:"category,omitempty"`
	Source          string      `json:"source,omitempty"`
	ActualToDate    money.Pence `json:"actualToDate"`
	ForecastOutturn money.Pence `json:"forecastOutturn"`
}

// Activity is a quarter's placement activity.
type Activity struct {
	PlacementsAtQuarterEnd int64 `json:"placementsAtQuarterEnd"`
	NewPlacements          int64 `json:"newPlacements"`
	EndedPlacements        int64 `json:"endedPlacements"`
	BedWeeks               int64 `json:"bedWeeks"`
}

// ReturnDoc is a quarterly return.
type ReturnDoc struct {
	FundID  string       `json:"fundId"`
	Quarter string       `json:"quarter"`
	Spend   []ReturnLine `json:"spend"`
	Income  []ReturnLine `json:"income"`
	// Activity is nil when the return gives none (its fund does not ask).
	Activity *Activity `json:"activity"`
	KPIs     []struct {
		Code  string        `json:"code"`
		Value money.Decimal `json:"value"`
		Unit  string        `json:"unit"`
	} `json:"kpis"`
	Assurances []struct {
		Code       string `json:"code"`
		Met        bool   `json:"met"`
		Commentary string `json:"commentary"`
	} `json:"assurances"`
	RiskRating string `json:"riskRating"`
	Commentary string `json:"commentary"`
	Final      bool   `json:"final"`
}

// ReadDocument decodes a stored canonical document strictly.
func ReadDocument[T any](canonical []byte) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.DisallowUnknownFields()
	err := dec.Decode(&v)
	return v, err
}
