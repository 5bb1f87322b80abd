"""Request and response bodies of the scoring API (what the OpenAPI schema documents).

``/predict`` takes feature rows in either of two shapes: ``rows`` (one JSON object per row,
readable) or ``columns`` + ``data`` (column names once, then arrays of values: a third of the
bytes and about twice as fast to parse, for large batches). Feature values are finite numbers
or null (missing); categorical features are their integer codes, as in the feature store.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

#: Numbers or null only: strict, so "1.5" and true are 422s, as in the fast parser.
FeatureValue = Annotated[float, Strict()] | None
ReasonMethod = Literal["exact", "fast"]
RequestedReasons = Literal["auto", "exact", "fast"]
#: Bounds of a row id (``fastpath`` checks the same ones without pydantic).
ROW_ID_MAX_CHARS = 128
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
RowId = (
    Annotated[int, Field(ge=INT64_MIN, le=INT64_MAX)]
    | Annotated[str, Field(max_length=ROW_ID_MAX_CHARS)]
)


class PredictRequest(BaseModel):
    """Feature rows to score: ``rows`` or ``columns`` + ``data`` (exactly one of the two)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    rows: list[dict[str, FeatureValue]] | None = Field(
        default=None, description="One object per row: feature name -> value (null = missing)."
    )
    columns: list[str] | None = Field(default=None, description="Feature names of `data`.")
    data: list[list[FeatureValue]] | None = Field(
        default=None, description="Rows as arrays of values in the order of `columns`."
    )
    ids: list[RowId] | None = Field(
        default=None, description="Optional row identifiers echoed back (e.g. SK_ID_CURR)."
    )
    reasons: RequestedReasons = Field(
        default="auto",
        description="Reason-code method: `exact` TreeSHAP (same as batch scoring), `fast` "
        "approximate path attribution (~10x cheaper), or `auto` (the default): exact up to "
        "1,000 rows (`CREDITRISK_API_EXACT_REASONS_MAX_ROWS`), fast above. Each prediction's "
        "`reason_method` says which one it got.",
    )

    @model_validator(mode="after")
    def _one_shape(self) -> PredictRequest:
        if (self.rows is None) == (self.data is None):
            raise ValueError("give either `rows` or `columns` + `data`")
        if (self.data is None) != (self.columns is None):
            raise ValueError("`columns` and `data` go together")
        n = len(self.rows) if self.rows is not None else len(self.data or [])
        if n == 0:
            raise ValueError("at least one row is required")
        if self.ids is not None and len(self.ids) != n:
            raise ValueError(f"`ids` has {len(self.ids)} entries for {n} rows")
        return self

    @property
    def n_rows(self) -> int:
        return len(self.rows) if self.rows is not None else len(self.data or [])


class ReasonCodeOut(BaseModel):
    """One principal reason: a statement of the versioned adverse-action catalogue."""

    code: str = Field(description="Statement code in the reason catalogue (e.g. R19).")
    statement: str = Field(description="The adverse-action statement, as a notice cites it.")
    contribution: float = Field(
        description="Summed push of the statement's features on the log-odds of default (> 0)."
    )


class Prediction(BaseModel):
    id: int | str | None = Field(default=None, description="The row's id, when one was given.")
    pd: float = Field(description="Probability of default, in [0, 1].")
    decision: Literal["approve", "decline"]
    risk_grade: str = Field(description="Grade on the rating master scale (PD floored first).")
    scale_version: str = Field(description="Version of the master scale that graded the PD.")
    reason_codes: list[ReasonCodeOut] = Field(
        description="At most four distinct catalogue statements, largest PD-raising first."
    )
    catalogue_version: str = Field(description="Version of the reason catalogue cited.")
    reason_method: ReasonMethod
    model_version: str
    decision_id: str | None = Field(
        default=None, description="Id of the decision in the decision log (when it is on)."
    )


class PredictResponse(BaseModel):
    model_name: str
    model_version: str
    predictions: list[Prediction]


class ValidateResponse(BaseModel):
    valid: bool
    applicants: int
    history_records: int
    violations: list[dict] = Field(description="Field-level contract violations (loc, msg).")


class Health(BaseModel):
    status: Literal["ok"]


class Ready(BaseModel):
    ready: bool
    model_version: str | None
    alias: str
    last_error: str | None = None


class Metadata(BaseModel):
    model_name: str
    model_version: str
    alias: str
    checksum: str | None
    pd_cutoff: float
    training_snapshot: str | None
    metrics: dict[str, float]
    feature_spec_hash: str
    n_features: int
    loaded_at: float
    tags: dict[str, str]
