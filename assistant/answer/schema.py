"""The answer object: exactly the fields of docs/contract.md section 2, plus extensions.

Outside evaluators parse `ask --json`; fields here may be added, never renamed or removed.
"""

from typing import Literal

from pydantic import BaseModel, Field

Status = Literal["answered", "abstained", "refused"]


class Citation(BaseModel):
    n: int
    cite: str
    doc_id: str
    title: str
    url: str
    version_date: str
    quote: str = Field(description="verbatim text of the corpus chunk that supports the claim")
    kind: str = ""
    status: str = ""
    chunk_id: str = ""


class Timings(BaseModel):
    retrieve: float = 0.0
    compose: float = 0.0
    total: float = 0.0


class Turn(BaseModel):
    role: Literal["user", "assistant"]
    content: str


class Answer(BaseModel):
    question: str
    language: str
    status: Status
    answer: str
    citations: list[Citation]
    disclaimer: str
    timings_ms: Timings
    short_answer: str = Field("", description="the one-to-three sentence answer, for a quick read")
    retrieved: list[str] = Field(
        default_factory=list, description="citation ids of the retrieved sources, best first"
    )
    victim: bool = Field(False, description="the question is about something done to someone")
    backend: str = "extractive"
    intent: str = Field("", description="law, help, harmful or off_topic, from the classifier")
    intent_probabilities: dict[str, float] = Field(default_factory=dict)
    fallback: bool = Field(
        False, description="the backend's answer was replaced by the extractive one"
    )
    fallback_reason: str = Field("", description="why, in one line, when fallback is true")
    removed: int = Field(
        0, description="sentences of the model's answer removed as unsupported by their sources"
    )
