"""Words for demo data: reps, prospects, and the lines a sales call is made of."""

from __future__ import annotations

REPS = [
    ("Jane Smith", "jane.smith"),
    ("Marcus Lee", "marcus.lee"),
    ("Priya Patel", "priya.patel"),
    ("Tom Becker", "tom.becker"),
    ("Ana Souza", "ana.souza"),
    ("Omar Haddad", "omar.haddad"),
    ("Chloe Martin", "chloe.martin"),
    ("Kenji Watanabe", "kenji.watanabe"),
]

PROSPECTS = [
    ("Laura Chen", "VP of Operations", "Northwind Logistics", "Logistics"),
    ("David Okafor", "Head of Revenue Operations", "Brightline Health", "Healthcare"),
    ("Sofia Rossi", "Chief Financial Officer", "Cobalt Manufacturing", "Manufacturing"),
    ("Ethan Brooks", "Director of Sales", "Pinecrest Software", "SaaS"),
    ("Amara Singh", "IT Manager", "Harbor Credit Union", "Financial Services"),
    ("Lucas Meyer", "Procurement Lead", "Alpine Retail Group", "Retail"),
    ("Grace Kim", "Chief Operating Officer", "Summit Insurance", "Insurance"),
    ("Noah Fischer", "Head of Customer Success", "Vertex Analytics", "SaaS"),
    ("Isabel Garcia", "Marketing Director", "Lumen Education", "Education"),
    ("Henry Walsh", "VP of Engineering", "Quarry Energy", "Energy"),
]

CALL_TYPES = ["discovery", "demo", "negotiation", "follow-up", "closing", "cold-call"]

OPENERS = [
    "Hi {prospect}, thanks for making the time today. How has your week been?",
    "Good morning {prospect}, great to finally connect. Is now still a good time?",
    "Hey {prospect}, thanks for jumping on. I know {company} is in a busy season.",
]
SMALL_TALK = [
    "Busy, but good. We just wrapped up our quarterly planning.",
    "Pretty hectic honestly, we are short two people on the team.",
    "Good, thanks. I only have thirty minutes though.",
]
AGENDA = [
    "I'd love to learn how your team handles this today, share what we've seen work, "
    "and agree on whether a next step makes sense. Does that work for you?",
    "My plan is to ask a few questions first and then show you the parts that matter to you. "
    "Sound good?",
]
QUESTIONS = [
    "How does your team handle this process today?",
    "What happens when something slips through the cracks?",
    "Who else is involved when you make a decision like this?",
    "What would it mean for {company} if this was solved by next quarter?",
    "How are you measuring success on this right now?",
    "What have you already tried to fix it?",
    "What is the timeline you are working against?",
    "How much time does your team spend on this every week?",
    "What made you take this call now rather than six months ago?",
    "If you could change one thing about the current setup, what would it be?",
]
PAINS = [
    "Honestly we struggle with it. Everything is manual and it takes us forever to reconcile.",
    "We are losing deals because follow-ups fall through the cracks, it's frustrating.",
    "The reporting is painful, my team spends two days a month building spreadsheets.",
    "We had churn last quarter that we didn't see coming at all.",
    "It mostly works, but onboarding new people takes far too long.",
]
COMPETITORS = [
    "We already use Gong for some of this, but adoption is low.",
    "We are currently using a homegrown tool that one engineer maintains.",
    "We switched from Chorus last year and it didn't really stick.",
]
FEATURE_REQUESTS = [
    "Do you support Salesforce? We would need the integration on day one.",
    "Is there a way to get the scores into our weekly email digest?",
    "I wish we had something that flags risky deals automatically.",
]
OBJECTIONS = [
    "To be honest this looks too expensive for us this year.",
    "I'm not sure my team has the bandwidth to roll out another tool.",
    "My concern is that we tried something similar and nobody used it.",
    "We're over our budget for software already.",
]
VALUE_ANSWERS = [
    "That's a fair point. Customers your size usually save about six hours per rep each week, "
    "so the payback is typically under three months.",
    "I hear you. Because the scoring runs automatically, there's no extra work for the reps, "
    "which is why adoption stays high.",
    "Understood. Let me show you the ROI numbers from a similar team so you can judge the value.",
]
WEAK_ANSWERS = [
    "Okay, well, we can talk about that later.",
    "Right. Anyway, let me keep going with the slides.",
]
PITCH = [
    "So let me walk you through the platform. Every call is recorded and transcribed, "
    "then scored against the rubric your managers define, and every score links to the exact "
    "moment in the call. Managers get a weekly view of the team, reps get feedback right after "
    "the call, and the insights page pulls out what prospects say about competitors and pricing.",
    "Here's the dashboard. Each rep sees their talk ratio, the questions they asked, and how "
    "they handled objections, and the manager can drill into any criterion.",
]
ACKNOWLEDGEMENTS = [
    "That makes sense, thanks for sharing that.",
    "Great question. Yes, that's exactly what most teams ask.",
    "I understand, that's a common situation.",
]
BUYING_SIGNALS = [
    "How soon could we roll it out to the first team?",
    "Can you send pricing for twenty seats?",
    "What would the next steps look like on our side?",
    "Who would we talk to about the contract?",
]
NEXT_STEPS = [
    "Let's schedule a follow-up with your sales manager next Tuesday, I'll send over a calendar "
    "invite.",
    "I'll send over the proposal today, and let's book thirty minutes on Thursday to review it "
    "together.",
    "As a next step I'll set up a trial workspace, can we schedule a check-in for Friday?",
]
VAGUE_CLOSES = [
    "Okay, I'll let you think about it. Feel free to reach out whenever.",
    "Alright, thanks for your time, talk soon.",
]
PROSPECT_CLOSES = [
    "Sounds good, talk then.",
    "Thanks, this was helpful.",
    "Okay, I'll check with my team.",
]

TEMPLATES = [
    {
        "name": "Discovery call scorecard",
        "description": "How well the rep uncovers pain, impact and the buying process.",
        "prompt_template": "Score the rep's discovery call against each criterion. Quote the "
        "transcript for every score.",
        "call_type": "discovery",
        "coaching_tone": "encouraging",
        "grading_criteria": [
            {"name": "Rapport", "weight": 25, "description": "Builds trust early, listens"},
            {"name": "Discovery questions", "weight": 35, "description": "Uncovers pain"},
            {"name": "Objection handling", "weight": 20, "description": "Answers with value"},
            {"name": "Next steps", "weight": 20, "description": "Ends with a commitment"},
        ],
    },
    {
        "name": "Demo excellence",
        "description": "A tailored, crisp product demo.",
        "prompt_template": "Evaluate the demo for tailoring, clarity and engagement.",
        "call_type": "demo",
        "coaching_tone": "data-driven",
        "grading_criteria": [
            {"name": "Presentation clarity", "weight": 40, "description": "Short, focused pitch"},
            {"name": "Engagement", "weight": 30, "description": "Keeps the prospect involved"},
            {"name": "Next steps", "weight": 30, "description": "Clear call to action"},
        ],
    },
    {
        "name": "Negotiation and closing",
        "description": "Holding value under price pressure and closing.",
        "prompt_template": "Assess how the rep defends value and closes.",
        "call_type": "negotiation",
        "coaching_tone": "direct",
        "grading_criteria": [
            {"name": "Objection handling", "weight": 50, "description": "Defends value on pricing"},
            {"name": "Closing", "weight": 30, "description": "Asks for the commitment"},
            {"name": "Active listening", "weight": 20, "description": "Talks less than half"},
        ],
    },
    {
        "name": "General call quality",
        "description": "Applies to every call type.",
        "prompt_template": "Rate the overall quality of the sales conversation.",
        "call_type": "general",
        "coaching_tone": "encouraging",
        "grading_criteria": [
            {"name": "Active listening", "weight": 30, "description": "Talk ratio and empathy"},
            {"name": "Questions", "weight": 30, "description": "Curious, open questions"},
            {"name": "Engagement", "weight": 20, "description": "A real two-way conversation"},
            {"name": "Next steps", "weight": 20, "description": "A concrete follow-up"},
        ],
    },
]

ROLEPLAY_SCENARIOS = [
    ("Price objection from a CFO", "A skeptical CFO who thinks the tool is too expensive"),
    ("Cold call to a busy VP", "A VP of Sales with two minutes and no patience"),
    ("Competitive displacement", "An operations lead happy with a competitor"),
    ("Discovery with a champion", "A friendly manager who needs help selling internally"),
]

FOLLOW_UPS = [
    "Can you walk me through the last time that happened?",
    "How many people on your team does that affect?",
    "What does that cost you, roughly, in a typical month?",
    "And how does your leadership team see that problem?",
    "Tell me more about that, what happens next in the process?",
]
DETAILS = [
    "Usually it's the managers who notice first, by then the quarter is half over.",
    "About forty people, mostly account executives and a few SDRs.",
    "Hard to say exactly, but we think it's at least a couple of deals a month.",
    "Leadership wants visibility, they ask me for a forecast every Monday.",
    "Then someone exports everything to a spreadsheet and we argue about it in pipeline review.",
    "We tried to fix it with a weekly meeting but people just skip it when they're busy.",
]
PROSPECT_QUESTIONS = [
    "How long does a typical rollout take?",
    "Does it work for calls in Spanish and German too?",
    "Who owns the data, and where is it stored?",
    "How do managers customise the scorecards?",
    "What does the rep see right after a call?",
]
PRODUCT_ANSWERS = [
    "Most teams are live in two weeks. We connect the calendar, import last month's calls, and "
    "your managers review the first scorecards with us before the reps see anything.",
    "Yes, transcription covers more than thirty languages and the scorecards work the same way.",
    "You own it. It's stored in your region, encrypted, and you can export or delete it any time.",
    "Managers edit the criteria and their weights directly, and every change is versioned, so "
    "old reports keep the rubric they were scored with.",
    "A short summary, their score per criterion with the exact moments behind it, and two things "
    "to try on the next call.",
]
