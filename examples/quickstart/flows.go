package main

func fakeFlows() []flow {
	return []flow{
		{name: "ecs", run: ecsFake},
		{name: "nova", run: novaFake},
		{name: "modelarts", run: modelartsFake},
		{name: "manila", run: manilaFake},
		{name: "cce", run: cceFake},
	}
}

func realFlows(cfg *realConfig) []flow {
	var flows []flow
	if cfg.ecsServer != "" {
		flows = append(flows, ecsReal(cfg))
	}
	return flows
}
