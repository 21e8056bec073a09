package files

// CheckPDF is checkPDF, for the external tests.
var CheckPDF = checkPDF
