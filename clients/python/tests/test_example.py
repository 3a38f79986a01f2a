import serial  # pyserial: this test plays the device; yours would run its firmware on atmqtt.pty


def test_a_device_on_the_modem(atmqtt):
    host, port = atmqtt.broker  # the modem's embedded broker
    seen = atmqtt.broker_messages("dev/1/up")  # an MQTT client on the broker, subscribed from now on
    with serial.Serial(atmqtt.pty, 115200, timeout=10) as uart:
        for command in ['AT+MQTTUSERCFG=0,1,"dev-1","","",0,0,""', f'AT+MQTTCONN=0,"{host}",{port},1',
                        'AT+MQTTSUB=0,"dev/1/cmd",1', 'AT+MQTTPUB=0,"dev/1/up","hello",1,0']:
            uart.write(command.encode() + b"\r\n")
            assert uart.read_until(b"OK\r\n").endswith(b"\r\nOK\r\n")
        assert seen.wait(1)[0].payload == b"hello"  # as the broker saw it
        atmqtt.publish_to_device("dev/1/cmd", "on", qos=1)
        assert uart.read_until(b"on\r\n").endswith(b'+MQTTSUBRECV:0,"dev/1/cmd",2,on\r\n')
        with atmqtt.fault("publish-fail", count=1):  # the next publish fails, as if never acknowledged
            uart.write(b'AT+MQTTPUB=0,"dev/1/up","lost",1,0\r\n')
            assert uart.read_until(b"ERROR\r\n").endswith(b"\r\nERROR\r\n")
    assert atmqtt.state()["counters"]["publishedByQos"] == [0, 1, 0]
