/** Plain data the HTML report is rendered from (no pipeline needed: tests build it by hand). */
export interface FlowRow {
  /** Position of `source` in the path (the views number steps from 1). */
  step: number;
  source: string;
  target: string;
  count: number;
}

export interface FunnelStep {
  step: string;
  persons: number;
}

export interface AttributionRow {
  model: string;
  channel: string;
  conversions: number;
  revenue?: number;
}

export interface HandoffRow {
  from: string;
  to: string;
  count: number;
  medianMinutes?: number | null;
  /** Share (0..1) of journeys that end without conversion after this hand-off. */
  friction?: number | null;
}

export interface JourneyRow {
  path: string;
  journeys: number;
  conversions: number;
  revenue?: number;
}

export interface ReasonCount {
  reason: string;
  count: number;
}

export interface ReportData {
  title?: string;
  generatedAt: string;
  summary: {
    events: number;
    persons: number;
    sessions: number;
    conversions: number;
    revenue: number;
    currency?: string;
  };
  flows: FlowRow[];
  funnel: FunnelStep[];
  attribution: AttributionRow[];
  handoffs?: HandoffRow[];
  journeys?: JourneyRow[];
  dataQuality: {
    sent?: number;
    accepted: number;
    rejected: ReasonCount[];
    duplicatesRemoved: number;
    lateEvents: number;
    failed: ReasonCount[];
    identity?: { precision: number; recall: number; f1?: number; truePersons?: number; predictedPersons?: number };
  };
  notes?: string[];
}
