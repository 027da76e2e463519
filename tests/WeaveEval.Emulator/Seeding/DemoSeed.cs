using System;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>Chooses the start-up data: <c>demo</c>, <c>none</c>, or a scenario file path.</summary>
    public static class DemoSeed
    {
        public static void Apply(EmulatorStore store, string seed)
        {
            switch (seed)
            {
                case "none":
                    return;
                case "demo":
                    SupportBotScenario.Seed(store);
                    HelpdeskScenario.Seed(store);
                    CompareScenario.Seed(store);
                    return;
                default:
                    ScenarioFile.Load(store, seed);
                    return;
            }
        }
    }
}
