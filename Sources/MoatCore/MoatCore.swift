// The Moat library as one import: the pipeline stages, each a module of its own so that the compiler
// keeps data flowing one way (text → syntax → model → rules → analysis). Reports, diagrams and importers
// are the products MoatReports, MoatDiagram and MoatInterop.
@_exported import MoatAnalysis
@_exported import MoatModel
@_exported import MoatRules
@_exported import MoatSource
@_exported import MoatSyntax
@_exported import MoatText
